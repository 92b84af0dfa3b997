package io.distlock.jmh;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

/** Four threads, each locking a name of its own: how throughput scales when nobody contends. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class DistinctNamesBenchmark extends SharedClientsState {

    @Param({"ReentrantLock", "RedisLock", "Redisson", "SpringRedisLock", "EtcdLockTxn", "EtcdLockService", "JetcdLock"})
    public String impl;

    final AtomicInteger names = new AtomicInteger();

    /** Each thread's own lock. */
    @State(Scope.Thread)
    public static class Own {
        Candidate lock;

        @Setup(Level.Trial)
        public void setUp(DistinctNamesBenchmark shared) {
            lock = Candidates.create(shared.impl, "name-" + shared.names.incrementAndGet(), shared.clients, shared.local);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            lock.close();
        }
    }

    @Benchmark
    @Threads(4)
    public void threads4(Own own) throws Exception {
        own.lock.lock();
        own.lock.unlock();
    }
}
