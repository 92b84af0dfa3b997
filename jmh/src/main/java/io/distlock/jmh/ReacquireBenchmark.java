package io.distlock.jmh;

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
public class ReacquireBenchmark extends OneLockState {

    @Param({"ReentrantLock", "RedisLock", "Redisson", "SpringRedisLock", "EtcdLockTxn", "EtcdLockService"})
    public String impl;

    @Override
    protected String impl() {
        return impl;
    }

    @Override
    protected String lockName() {
        return "reacquire";
    }

    @Setup(Level.Iteration)
    public void hold() throws Exception {
        lock.lock();
    }

    @TearDown(Level.Iteration)
    public void release() throws Exception {
        lock.unlock();
    }

    @Benchmark
    public void reacquire() throws Exception {
        lock.lock();
        lock.unlock();
    }
}
