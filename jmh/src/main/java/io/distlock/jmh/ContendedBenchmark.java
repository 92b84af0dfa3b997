package io.distlock.jmh;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Threads of one JVM contending for one name. The score counts acquisitions per second; the
 * {@code handoffs} counter counts only acquisitions by a different thread than the previous
 * holder, since a lock that lets one thread re-take it forever looks fast and starves the rest.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ContendedBenchmark extends SharedClientsState {

    @Param({"ReentrantLock", "RedisLock", "Redisson", "SpringRedisLock", "EtcdLockTxn", "EtcdLockService", "JetcdLock"})
    public String impl;

    final AtomicReference<Thread> lastHolder = new AtomicReference<>();

    /** Each thread's own handle on the shared lock. */
    @State(Scope.Thread)
    public static class Handle {
        Candidate lock;

        @Setup(Level.Trial)
        public void setUp(ContendedBenchmark shared) {
            lock = Candidates.create(shared.impl, "contended", shared.clients, shared.local);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            lock.close();
        }
    }

    /** Acquisitions by a thread other than the previous holder. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Handoffs {
        public long handoffs;
    }

    private void acquireAndRelease(Handle h, Handoffs counters) throws Exception {
        h.lock.lock();
        try {
            if (lastHolder.getAndSet(Thread.currentThread()) != Thread.currentThread()) {
                counters.handoffs++;
            }
        } finally {
            h.lock.unlock();
        }
    }

    /**
     * As many threads as JMH's {@code -t} asks (2 without it): the run script measures each
     * thread count the user names with this one.
     */
    @Benchmark
    @Threads(2)
    public void contended(Handle h, Handoffs counters) throws Exception {
        acquireAndRelease(h, counters);
    }

    @Benchmark
    @Threads(2)
    public void threads2(Handle h, Handoffs counters) throws Exception {
        acquireAndRelease(h, counters);
    }

    @Benchmark
    @Threads(8)
    public void threads8(Handle h, Handoffs counters) throws Exception {
        acquireAndRelease(h, counters);
    }
}
