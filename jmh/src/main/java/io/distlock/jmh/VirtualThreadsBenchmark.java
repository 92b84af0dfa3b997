package io.distlock.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Virtual threads against platform threads: {@value #WORKERS} workers of one JVM contend for
 * {@value #NAMES} names, each making {@value #ROUNDS} acquisitions per invocation (round robin over
 * the names), on virtual threads (one per task) or on a pool of {@value #WORKERS} platform threads.
 * The score is acquisitions per second. Needs a JVM with virtual threads (21+) for
 * {@code threads=virtual}: jmh/run-benchmarks.sh runs it on the Temurin 25 JDK (scenario
 * {@code virtual}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VirtualThreadsBenchmark extends SharedClientsState {

    static final int WORKERS = 64;
    static final int NAMES = 4;
    static final int ROUNDS = 8;

    @Param({"RedisLock", "EtcdLockTxn", "ReentrantLock"})
    public String impl;

    @Param({"virtual", "platform"})
    public String threads;

    /** Each worker's handles, one per name. */
    private Candidate[][] handles;
    private ExecutorService executor;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        handles = new Candidate[WORKERS][NAMES];
        for (int w = 0; w < WORKERS; w++) {
            for (int n = 0; n < NAMES; n++) {
                handles[w][n] = Candidates.create(impl, "vt-" + n, clients, local);
            }
        }
        if (threads.equals("virtual")) {
            try {
                executor = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("threads=virtual needs Java 21+, this is " + Runtime.version(), e);
            }
        } else {
            executor = Executors.newFixedThreadPool(WORKERS);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(30, TimeUnit.SECONDS);
        for (Candidate[] worker : handles) {
            for (Candidate c : worker) {
                c.close();
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(WORKERS * ROUNDS)
    public void contendOnFewNames() throws Exception {
        List<Future<?>> all = new ArrayList<>(WORKERS);
        for (int w = 0; w < WORKERS; w++) {
            Candidate[] mine = handles[w];
            int first = w;
            all.add(executor.submit(() -> {
                for (int i = 0; i < ROUNDS; i++) {
                    Candidate c = mine[(first + i) % NAMES];
                    c.lock();
                    c.unlock();
                }
                return null;
            }));
        }
        for (Future<?> f : all) {
            f.get();
        }
    }
}
