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

/**
 * One thread, one free lock: the cost of lock+unlock and of tryLock+unlock, for each candidate
 * against the floors (a raw SET NX PX + compare-and-delete pair on one Jedis connection; a raw
 * etcd create-if-absent transaction + delete) and the alternatives (Redisson, jetcd's Lock).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class UncontendedBenchmark extends OneLockState {

    @Param({"ReentrantLock", "RawRedis", "RedisLock", "Redisson", "SpringRedisLock", "RawEtcd", "EtcdLockTxn", "EtcdLockService", "JetcdLock"})
    public String impl;

    @Override
    protected String impl() {
        return impl;
    }

    @Override
    protected String lockName() {
        return "uncontended";
    }

    @Benchmark
    public void lockUnlock() throws Exception {
        lock.lock();
        lock.unlock();
    }

    @Benchmark
    public void tryLockUnlock() throws Exception {
        if (!lock.tryLock()) {
            throw new IllegalStateException("a free lock refused tryLock");
        }
        lock.unlock();
    }
}
