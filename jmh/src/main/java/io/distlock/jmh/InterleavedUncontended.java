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
 * appends one JSON object per pair to FILE, the report's input.
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
                        int batch = impl.contains("Etcd") || impl.contains("Jetcd") ? etcdBatch : redisBatch;
                        two[i] = new Series(impl, batch,
                                Candidates.create(impl, "interleaved-" + impl, clients, new HashMap<>()), rounds);
                        series.put(pair + "#" + i, two[i]);
                    }
                    // warm-up: three batches of each, not recorded
                    for (int w = 0; w < 3; w++) {
                        for (Series s : two) {
                            batch(s);
                        }
                    }
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
