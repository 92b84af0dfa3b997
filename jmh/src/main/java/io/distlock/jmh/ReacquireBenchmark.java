package io.distlock.jmh;

import java.util.HashMap;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/** The holder takes the lock again (nested lock+unlock while it holds it). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ReacquireBenchmark {

    @Param({"ReentrantLock", "RedisLock", "Redisson", "EtcdLockTxn"})
    public String impl;

    private Candidates.Clients clients;
    private Candidate lock;

    @Setup(Level.Trial)
    public void setUp() {
        clients = new Candidates.Clients();
        lock = Candidates.create(impl, "reacquire", clients, new HashMap<>());
    }

    @Setup(Level.Iteration)
    public void hold() throws Exception {
        lock.lock();
    }

    @TearDown(Level.Iteration)
    public void release() throws Exception {
        lock.unlock();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lock.close();
        clients.close();
    }

    @Benchmark
    public void reacquire() throws Exception {
        lock.lock();
        lock.unlock();
    }
}
