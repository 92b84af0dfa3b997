package io.distlock.jmh;

import io.distlock.etcd.EtcdFlavour;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * The classic bounded buffer (capacity 16, {@code notFull} / {@code notEmpty}) in one JVM, one
 * producer and one consumer thread: {@code ReentrantLock} + {@code Condition} against the
 * distributed locks and their conditions. The score of each method is items per second; the
 * buffer lives in memory so that only the lock and its conditions are measured. Waits are timed
 * (10 ms) so that a thread left waiting at the end of an iteration returns.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class BoundedBufferBenchmark {

    @Param({"ReentrantLock", "RedisLock", "EtcdLockTxn"})
    public String impl;

    private Candidates.Clients clients;
    private Lock lock;
    private Condition notFull;
    private Condition notEmpty;
    private final ArrayDeque<Integer> items = new ArrayDeque<>();

    @Setup(Level.Trial)
    public void setUp() {
        clients = new Candidates.Clients();
        String name = "buffer-" + System.nanoTime();
        lock = switch (impl) {
            case "ReentrantLock" -> new ReentrantLock();
            case "RedisLock" -> clients.redisLocks().getLock(name);
            case "EtcdLockTxn" -> clients.etcdLocks(EtcdFlavour.TRANSACTION).getLock(name);
            default -> throw new IllegalArgumentException(impl);
        };
        notFull = lock.newCondition();
        notEmpty = lock.newCondition();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        clients.close();
    }

    @Benchmark
    @Group("buffer")
    @GroupThreads(1)
    public boolean put(Control control) throws InterruptedException {
        lock.lock();
        try {
            while (items.size() == 16) {
                if (control.stopMeasurement) {
                    return false;
                }
                notFull.await(10, TimeUnit.MILLISECONDS);
            }
            items.add(1);
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Benchmark
    @Group("buffer")
    @GroupThreads(1)
    public Integer take(Control control) throws InterruptedException {
        lock.lock();
        try {
            while (items.isEmpty()) {
                if (control.stopMeasurement) {
                    return null;
                }
                notEmpty.await(10, TimeUnit.MILLISECONDS);
            }
            Integer x = items.remove();
            notFull.signal();
            return x;
        } finally {
            lock.unlock();
        }
    }
}
