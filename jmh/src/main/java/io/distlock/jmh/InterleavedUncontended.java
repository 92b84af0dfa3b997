package io.distlock.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Uncontended lock+unlock of candidates against their floors in one JVM, interleaved: for each
 * candidate/floor pair in turn, each round runs a batch of lock+unlock pairs of both, the one
 * that goes first alternating from round to round, and the candidate's ratio to its floor is
 * taken within each round, then the median over the rounds is reported (with the quartiles). On a shared machine whose speed drifts by tens of percent between one
 * JMH fork and the next, a ratio of two candidates measured minutes apart says more about the
 * drift than about the candidates; within a round both run on the same machine state.
 *
 * <p>Also reports the CPU time the calling thread spent per pair (ThreadMXBean): the client's own
 * work on the critical path, which is less noisy than the latency and shows what a change to the
 * client path saves.
 *
 * <p>Run: {@code java -Ddistlock.redis=.. -Ddistlock.etcd=.. -cp target/benchmarks.jar
 * io.distlock.jmh.InterleavedUncontended [rounds]}. {@code -Ddistlock.interleaved.pairs} lists
 * candidate/floor pairs ({@code RedisLock/RawRedis,EtcdLockTxn/RawEtcd,EtcdLockService/JetcdLock},
 * the default); a batch is {@code -Ddistlock.interleaved.redisBatch} (1,000) pairs for a Redis
 * candidate and {@code -Ddistlock.interleaved.etcdBatch} (200) for an etcd one, so that a round
 * of each takes a few hundred milliseconds. With {@code -Ddistlock.interleaved.json=FILE} it
 * appends one JSON object per pair to FILE, the report's input; with
 * {@code -Ddistlock.interleaved.printRounds=true} it prints every round's figures.
 *
 * <p>Before its rounds each pair is warmed up, alternating batches as the rounds do, for
 * {@code -Ddistlock.interleaved.redisWarmupSeconds} (20) or, for a pair on etcd,
 * {@code -Ddistlock.interleaved.etcdWarmupSeconds} (45): a time rather than a count, since what
 * it waits for is the JIT. With three batches of warm-up (2026-12-07, 2 cores) the etcd pair's
 * first ten rounds took 2.3x as long a pair as its rounds after 40 (which it reached about 23 s
 * after its start), its calling thread 5x the CPU, and the Redis pair's CPU over its floor fell
 * from 10-13 to 3-5 us only after about 8 s: the medians measured the compiler as much as the
 * locks.
 */
public final class InterleavedUncontended {

    private InterleavedUncontended() {
    }

    /** One candidate's measurements, one entry per round. */
    private static final class Series {
        final String impl;
        final int batch;
        final Candidate candidate;
        final double[] micros;
        final double[] cpuMicros;

        Series(String impl, int batch, Candidate candidate, int rounds) {
            this.impl = impl;
            this.batch = batch;
            this.candidate = candidate;
            this.micros = new double[rounds];
            this.cpuMicros = new double[rounds];
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        if (rounds < 4) {
            throw new IllegalArgumentException("rounds must be at least 4 (quartiles), was " + rounds);
        }
        String[] pairs = System.getProperty("distlock.interleaved.pairs",
                "RedisLock/RawRedis,EtcdLockTxn/RawEtcd,EtcdLockService/JetcdLock").split(",");
        int redisBatch = Integer.getInteger("distlock.interleaved.redisBatch", 1_000);
        int etcdBatch = Integer.getInteger("distlock.interleaved.etcdBatch", 200);
        long redisWarmup = Long.getLong("distlock.interleaved.redisWarmupSeconds", 20);
        long etcdWarmup = Long.getLong("distlock.interleaved.etcdWarmupSeconds", 45);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isCurrentThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure a thread's CPU time");
        }
        Map<String, Series> series = new LinkedHashMap<>();
        try (Candidates.Clients clients = new Candidates.Clients()) {
            // one pair after the other (a candidate of another back end running in between would
            // change the machine's state: a busy machine answers loopback calls faster), each
            // made just before its rounds (the floors' etcd leases are not kept alive)
            for (String pair : pairs) {
                String[] p = pair.split("/");
                Series[] two = new Series[2];
                try {
                    for (int i = 0; i < 2; i++) {
                        String impl = p[i];
                        int batch = Candidates.onEtcd(impl) ? etcdBatch : redisBatch;
                        two[i] = new Series(impl, batch,
                                Candidates.create(impl, "interleaved-" + impl, clients, new HashMap<>()), rounds);
                        series.put(pair + "#" + i, two[i]);
                    }
                    // warm-up, not recorded: alternating batches of both for a time (not a count:
                    // what it waits for is the JIT: on 2 cores the etcd pair levelled off after ~23 s)
                    long warmupNanos = TimeUnit.SECONDS.toNanos(Candidates.onEtcd(p[0]) ? etcdWarmup : redisWarmup);
                    long warmupStart = System.nanoTime();
                    int warmupRounds = 0;
                    do {
                        for (Series s : two) {
                            batch(s);
                        }
                        warmupRounds++;
                    } while (warmupRounds < 3 || System.nanoTime() - warmupStart < warmupNanos);
                    System.out.printf(Locale.ROOT, "%s: warm-up %d rounds in %.1f s%n", pair, warmupRounds,
                            (System.nanoTime() - warmupStart) / 1e9);
                    for (int r = 0; r < rounds; r++) {
                        for (int i = 0; i < 2; i++) {
                            Series s = two[(i + r) % 2];
                            long cpu = threads.getCurrentThreadCpuTime();
                            long start = System.nanoTime();
                            batch(s);
                            s.micros[r] = (System.nanoTime() - start) / 1_000.0 / s.batch;
                            s.cpuMicros[r] = (threads.getCurrentThreadCpuTime() - cpu) / 1_000.0 / s.batch;
                        }
                    }
                } finally {
                    for (Series s : two) {
                        if (s != null) {
                            try {
                                s.candidate.close();
                            } catch (RuntimeException e) {
                                System.err.println("closing " + s.impl + " failed: " + e);
                            }
                        }
                    }
                }
            }
        }
        for (String pair : pairs) {
            report(series.get(pair + "#0"), series.get(pair + "#1"), rounds);
            if (Boolean.getBoolean("distlock.interleaved.printRounds")) {
                printRounds(series.get(pair + "#0"), series.get(pair + "#1"), rounds);
            }
        }
        System.exit(0);
    }

    private static void batch(Series s) throws Exception {
        for (int j = 0; j < s.batch; j++) {
            s.candidate.lock();
            s.candidate.unlock();
        }
    }

    private static void report(Series ours, Series floor, int rounds) {
        double[] ratio = new double[rounds];
        double[] cpuOver = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratio[r] = ours.micros[r] / floor.micros[r];
            cpuOver[r] = ours.cpuMicros[r] - floor.cpuMicros[r];
        }
        System.out.printf(Locale.ROOT, "%-16s / %-12s %d rounds: median %.1f us / %.1f us, ratio median %.3f "
                        + "(quartiles %.3f..%.3f); calling thread's CPU per pair %.1f / %.1f us (%.1f over)%n",
                ours.impl, floor.impl, rounds, median(ours.micros), median(floor.micros), median(ratio),
                quantile(ratio, 0.25), quantile(ratio, 0.75), median(ours.cpuMicros), median(floor.cpuMicros),
                median(cpuOver));
        String file = System.getProperty("distlock.interleaved.json");
        if (file != null) {
            String json = String.format(Locale.ROOT, "{\"impl\":\"%s\",\"floor\":\"%s\",\"rounds\":%d,"
                            + "\"medianUs\":%.2f,\"floorMedianUs\":%.2f,\"ratioMedian\":%.4f,\"ratioQ1\":%.4f,"
                            + "\"ratioQ3\":%.4f,\"cpuUs\":%.2f,\"floorCpuUs\":%.2f}%n",
                    ours.impl, floor.impl, rounds, median(ours.micros), median(floor.micros), median(ratio),
                    quantile(ratio, 0.25), quantile(ratio, 0.75), median(ours.cpuMicros), median(floor.cpuMicros));
            try {
                Files.writeString(Path.of(file), json, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot write " + file, e);
            }
        }
    }

    /** Every round's figures of a pair: whether the rounds still drift (a warm-up too short) shows here. */
    private static void printRounds(Series ours, Series floor, int rounds) {
        for (int r = 0; r < rounds; r++) {
            System.out.printf(Locale.ROOT, "  round %2d: %.1f / %.1f us, CPU %.1f / %.1f us%n", r, ours.micros[r],
                    floor.micros[r], ours.cpuMicros[r], floor.cpuMicros[r]);
        }
    }

    private static double median(double[] v) {
        return quantile(v, 0.5);
    }

    /** The {@code q} quantile of {@code v} (linear interpolation between the closest ranks). */
    static double quantile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, s.length - 1);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }
}
