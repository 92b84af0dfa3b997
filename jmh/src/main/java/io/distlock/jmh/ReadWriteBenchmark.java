package io.distlock.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Uncontended lock+unlock of a read lock and of a write lock. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ReadWriteBenchmark extends OneLockState {

    @Param({"RedisReadLock", "RedisWriteLock", "RedissonReadLock", "RedissonWriteLock", "EtcdReadLock", "EtcdWriteLock"})
    public String impl;

    @Override
    protected String impl() {
        return impl;
    }

    @Override
    protected String lockName() {
        return "rw";
    }

    @Benchmark
    public void lockUnlock() throws Exception {
        lock.lock();
        lock.unlock();
    }
}
