package io.distlock.jmh;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Two JVMs contend for one name; the hand-over latency is the time from one JVM's unlock to the
 * other JVM's lock returning (wall clock in microseconds, comparable across processes on one
 * machine). JMH cannot host two JVMs, hence this small harness. Run:
 * {@code java -Ddistlock.redis=.. -Ddistlock.etcd=.. -cp target/benchmarks.jar io.distlock.jmh.CrossProcessHandoff [rounds]}.
 * With {@code -Ddistlock.handoff.holdMicros=N} each JVM holds the lock about N microseconds
 * (parked) before it lets go, so that the other JVMs wait parked rather than ask again at once.
 * The JVMs contend unmeasured until each has made {@code -Ddistlock.handoff.warmupAcquisitions}
 * (50,000) acquisitions, for at least {@code -Ddistlock.handoff.warmupSeconds} (10) and at most
 * {@code -Ddistlock.handoff.maxWarmupSeconds} (120), then all start their measured rounds at
 * once (see {@link #warmupAcquisitions()}).
 * With {@code -Ddistlock.handoff.json=FILE} it also appends one JSON object per candidate (and
 * one for the PING round trip) to FILE, the report's input: the figures printed, plus the
 * latency distribution as percentile points.
 */
public final class CrossProcessHandoff {

    private CrossProcessHandoff() {
    }

    static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** What a child prints every second of its warm-up: "WARM " and how many acquisitions it made. */
    static final String WARM = "WARM ";
    /** What the parent sends every child when the warm-up is over. */
    static final String MEASURE = "MEASURE";

    /**
     * Child: lock, note the time, unlock, note the time, ROUNDS times after a warm-up (contending
     * all the same, not reported) of at least a fifth as many rounds, which lasts until the parent
     * says MEASURE (or closes the child's input); prints how many acquisitions it made every
     * second meanwhile, and "a,r" lines after. Every child gets the start signal and MEASURE at once,
     * so all of them contend during the whole warm-up and start measuring at about the same time.
     */
    static void child(String impl, String name, int rounds) throws Exception {
        Candidates.Clients clients = new Candidates.Clients(name);
        try {
            Candidate lock = Candidates.create(impl, "handoff", clients, new HashMap<>());
            // every JVM starts contending at once: a fast candidate would otherwise run its
            // rounds alone while the next JVM is still starting
            System.out.println("READY");
            System.out.flush();
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            stdin.readLine();
            java.util.concurrent.atomic.AtomicBoolean measure = new java.util.concurrent.atomic.AtomicBoolean();
            Thread signal = new Thread(() -> {
                try {
                    for (String line; (line = stdin.readLine()) != null && !line.equals(MEASURE); ) {
                        // nothing else is sent
                    }
                } catch (java.io.IOException e) {
                    // the parent is gone: measure, print and exit
                }
                measure.set(true);
            }, "measure-signal");
            signal.setDaemon(true);
            signal.start();
            long start = System.nanoTime();
            long nextReport = start;
            // bounded even if the parent never says MEASURE: its longest warm-up and a minute
            long giveUp = start + TimeUnit.SECONDS.toNanos(maxWarmupSeconds() + 60);
            for (int i = 0; i < rounds / 5 || !measure.get() && System.nanoTime() - giveUp < 0; i++) {
                lock.lock();
                lock.unlock();
                if (!measure.get() && System.nanoTime() - nextReport >= 0) {
                    System.out.println(WARM + (i + 1));
                    System.out.flush();
                    nextReport += TimeUnit.SECONDS.toNanos(1);
                }
            }
            StringBuilder out = new StringBuilder();
            long holdNanos = TimeUnit.MICROSECONDS.toNanos(Long.getLong("distlock.handoff.holdMicros", 0L));
            for (int i = 0; i < rounds; i++) {
                lock.lock();
                long acquired = micros();
                if (holdNanos > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(holdNanos);
                }
                long released = micros();   // the moment this JVM starts to let go
                lock.unlock();
                out.append(acquired).append(',').append(released).append('\n');
            }
            lock.close();
            System.out.print(out);
            System.out.println("END");
            System.out.flush();
        } finally {
            closeWithin(clients, 10);
        }
    }

    /**
     * The shortest warm-up ({@code -Ddistlock.handoff.warmupSeconds}, default 10), whatever the
     * acquisitions made (see {@link #warmupAcquisitions()}). With a fifth of the rounds, as until
     * 2026-12-07 (200 with the benchmark command's 1,000), a JVM measured acquisitions it was
     * still compiling, with compilers that eight JVMs shared on two cores.
     */
    static long warmupSeconds() {
        return Long.getLong("distlock.handoff.warmupSeconds", 10);
    }

    /**
     * The longest warm-up ({@code -Ddistlock.handoff.maxWarmupSeconds}, default 120): the
     * measurement starts then even if a JVM has made fewer acquisitions than
     * {@link #warmupAcquisitions()} (the run says so).
     */
    static long maxWarmupSeconds() {
        return Math.max(Long.getLong("distlock.handoff.maxWarmupSeconds", 120), warmupSeconds());
    }

    /**
     * How many acquisitions each JVM makes before the measurement
     * ({@code -Ddistlock.handoff.warmupAcquisitions}, default 50,000), within
     * {@link #warmupSeconds()} and {@link #maxWarmupSeconds()}: the JIT compiles a method for
     * good once it has run some thousands of times, a count, which a slow candidate or eight JVMs
     * sharing the cores reach later. Two JVMs of RedisLock on a 2-core machine, 2026-12-08: each
     * made about 2,300 acquisitions a second for its first 16-19 s, while the JIT compiled next to
     * nothing for seconds, then about 3,200, some 34,000 acquisitions in; the fixed 10 s warm-up
     * used until then measured 3,900-4,000 hand-overs a second where 30 s gave 5,500-6,700, and
     * with eight JVMs 820-1,670 where 40 s gave 2,030 and 90 s 2,930
     * ({@code docs/benchmarks/2026-12-08-warmup-acquisitions/warmup-experiments.txt}). A
     * candidate whose JVMs make fewer than about 420 acquisitions a second each (RedisLock, Spring's
     * registry and Redisson with eight JVMs, the etcd candidates always) warms up for the longest time.
     */
    static long warmupAcquisitions() {
        return Long.getLong("distlock.handoff.warmupAcquisitions", 50_000);
    }

    /**
     * Closes {@code clients} on a thread of its own, waiting at most {@code seconds}: Spring's
     * registry over Lettuce was seen to hang in its close (a subscription's connection release
     * never completed) after the rounds were done and reported, which kept the child, and so the
     * whole run, waiting for ever. The child exits after this either way.
     */
    static void closeWithin(AutoCloseable clients, int seconds) throws InterruptedException {
        Thread closer = new Thread(() -> {
            try {
                clients.close();
            } catch (Exception e) {
                System.err.println("closing the clients failed: " + e);
            }
        }, "close-clients");
        closer.setDaemon(true);
        closer.start();
        closer.join(TimeUnit.SECONDS.toMillis(seconds));
        if (closer.isAlive()) {
            System.err.println("the clients did not close within " + seconds + " s; exiting without them");
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            try {
                child(args[1], args[2], Integer.parseInt(args[3]));
            } catch (Throwable e) {
                e.printStackTrace();
                // exits even if a client's threads would keep the JVM alive
                System.exit(1);
            }
            System.exit(0);
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int jvms = Integer.getInteger("distlock.handoff.jvms", 2);
        String impls = System.getProperty("distlock.handoff.impls",
                "RawRedisBaton,RedisLock,SpringRedisLock,Redisson,EtcdLockTxn,EtcdLockService,JetcdLock");
        if (impls.contains("Redis")) {
            ping();
        }
        for (String impl : impls.split(",")) {
            run(impl, Candidates.onEtcd(impl) ? Math.max(rounds / 10, 20) : rounds, jvms);
        }
        System.exit(0);
    }

    private static void run(String impl, int rounds, int jvms) throws Exception {
        String name = "handoff-" + UUID.randomUUID() + "-";
        List<Process> children = new ArrayList<>();
        for (int i = 0; i < jvms; i++) {
            children.add(new ProcessBuilder(Candidates.childCommand(CrossProcessHandoff.class, "child", impl, name,
                    Integer.toString(rounds)))
                    // to this JVM's stderr: a pipe nobody read filled up when a child's client kept
                    // logging (Spring's registry, 8 JVMs), and the child then hung in its next write
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }
        try {
            measure(impl, jvms, children);
        } finally {
            // none is left behind, whatever happened (one may be blocked in lock() for ever)
            for (Process child : children) {
                child.destroyForcibly();
            }
        }
    }

    /** How long a child may take to start (its clients connect) before the run counts as failed. */
    static final long START_MINUTES = 5;

    private static void measure(String impl, int jvms, List<Process> children) throws Exception {
        // a child that has not said READY in START_MINUTES is stopped, which ends its output
        java.util.concurrent.atomic.AtomicIntegerArray ready = new java.util.concurrent.atomic.AtomicIntegerArray(children.size());
        Thread startWatch = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(START_MINUTES));
            } catch (InterruptedException e) {
                return;   // every child is ready
            }
            for (int c = 0; c < children.size(); c++) {
                if (ready.get(c) == 0) {
                    children.get(c).destroyForcibly();
                }
            }
        }, "start-watch");
        startWatch.setDaemon(true);
        startWatch.start();
        List<BufferedReader> outputs = new ArrayList<>();
        List<String> notStarted = new ArrayList<>();
        for (int c = 0; c < children.size(); c++) {
            BufferedReader r = new BufferedReader(new InputStreamReader(children.get(c).getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null && !line.equals("READY")) {
                // whatever a client prints while it starts
            }
            if (line == null) {
                notStarted.add("JVM " + c + " did not start");
            } else {
                ready.set(c, 1);
            }
            outputs.add(r);
        }
        startWatch.interrupt();
        if (!notStarted.isEmpty()) {
            System.out.printf("%-16s %d JVMs: FAILED (%s)%n", impl, jvms, String.join(", ", notStarted));
            record(String.format(java.util.Locale.ROOT, "{\"impl\":\"%s\",\"jvms\":%d,\"acquisitions\":0,\"handoffs\":0,"
                    + "\"failed\":\"%s\"}", impl, jvms, String.join(", ", notStarted)));
            return;
        }
        long start = System.nanoTime();
        send(children, "GO");
        // each child's output on a thread of its own: its acquisition counts during the warm-up,
        // its holds after
        java.util.concurrent.atomic.AtomicLongArray warmed = new java.util.concurrent.atomic.AtomicLongArray(children.size());
        // whether each child's output ended with END (its results are complete)
        java.util.concurrent.atomic.AtomicIntegerArray ended = new java.util.concurrent.atomic.AtomicIntegerArray(children.size());
        java.util.concurrent.atomic.AtomicInteger badLines = new java.util.concurrent.atomic.AtomicInteger();
        List<List<long[]>> childHolds = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        for (int c = 0; c < children.size(); c++) {
            List<long[]> own = new ArrayList<>();
            childHolds.add(own);
            int index = c;
            BufferedReader r = outputs.get(c);
            Thread reader = new Thread(() -> {
                try (r) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.equals("END")) {
                            ended.set(index, 1);
                            break;
                        }
                        try {
                            if (line.startsWith(WARM)) {
                                warmed.set(index, Long.parseLong(line.substring(WARM.length()).trim()));
                                continue;
                            }
                            String[] parts = line.split(",");
                            if (parts.length == 2) {
                                own.add(new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1]), index});
                            }
                        } catch (NumberFormatException e) {
                            // a client's own line that looks like ours: skipped, and the run says so
                            badLines.incrementAndGet();
                        }
                    }
                } catch (java.io.IOException e) {
                    System.err.println("reading JVM " + index + " failed: " + e);
                }
            }, "child-" + c);
            reader.start();
            readers.add(reader);
        }
        long minEnd = start + TimeUnit.SECONDS.toNanos(warmupSeconds());
        long maxEnd = start + TimeUnit.SECONDS.toNanos(maxWarmupSeconds());
        long leastWarmed;
        boolean childGone = false;
        while (true) {
            leastWarmed = Long.MAX_VALUE;
            for (int c = 0; c < warmed.length(); c++) {
                leastWarmed = Math.min(leastWarmed, warmed.get(c));
                // a child that died (or closed its output) will not warm up any further
                childGone |= !children.get(c).isAlive() || !readers.get(c).isAlive();
            }
            long now = System.nanoTime();
            if (childGone || now - maxEnd >= 0 || now - minEnd >= 0 && leastWarmed >= warmupAcquisitions()) {
                break;
            }
            Thread.sleep(200);
        }
        send(children, MEASURE);
        long warmedFor = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        boolean complete = leastWarmed >= warmupAcquisitions();
        String warmup = String.format(java.util.Locale.ROOT, "warm-up %d s, %,d acquisitions or more per JVM%s",
                warmedFor, leastWarmed, complete ? "" : childGone ? " (a JVM ended during it)" : " (the longest warm-up ended it)");
        // the warm-up's fields of every JSON record of this run
        String warmupJson = String.format(java.util.Locale.ROOT,
                "\"warmupSeconds\":%d,\"warmupAcquisitions\":%d,\"warmupTarget\":%d,\"warmupComplete\":%b",
                warmedFor, leastWarmed, warmupAcquisitions(), complete);
        // each child's measured rounds take at most a few minutes; one that is still at it after
        // its share of 10 minutes is stopped, and the run reported as failed
        long resultsBy = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        List<long[]> holds = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (int c = 0; c < children.size(); c++) {
            Thread reader = readers.get(c);
            reader.join(Math.max(TimeUnit.NANOSECONDS.toMillis(resultsBy - System.nanoTime()), 1));
            if (reader.isAlive()) {
                children.get(c).destroyForcibly();
                reader.join(TimeUnit.SECONDS.toMillis(30));
            }
            if (reader.isAlive() || ended.get(c) == 0) {
                failures.add("JVM " + c + " ended without its results");
            } else {
                holds.addAll(childHolds.get(c));   // the reader has ended: its list is complete
            }
            if (!children.get(c).waitFor(Math.max(resultsBy - System.nanoTime(), 0), TimeUnit.NANOSECONDS)) {
                children.get(c).destroyForcibly();
            }
        }
        if (badLines.get() > 0) {
            System.err.println(impl + ": " + badLines.get() + " lines of the JVMs' output were not theirs to parse (skipped)");
        }
        if (!failures.isEmpty()) {
            System.out.printf("%-16s %d JVMs: FAILED (%s); %s%n", impl, jvms, String.join(", ", failures), warmup);
            record(String.format(java.util.Locale.ROOT, "{\"impl\":\"%s\",\"jvms\":%d,\"acquisitions\":%d,\"handoffs\":0,"
                    + "\"failed\":\"%s\",%s}", impl, jvms, holds.size(), String.join(", ", failures), warmupJson));
            return;
        }
        holds.sort((x, y) -> Long.compare(x[0], y[0]));
        List<Long> handoffs = new ArrayList<>();
        int overlaps = 0;
        for (int i = 1; i < holds.size(); i++) {
            long[] prev = holds.get(i - 1);
            long[] cur = holds.get(i);
            if (cur[0] < prev[1]) {
                overlaps++;
            }
            if (cur[2] != prev[2]) {
                handoffs.add(cur[0] - prev[1]);
            }
        }
        if (handoffs.isEmpty()) {
            System.out.printf("%-16s no hand-over between the JVMs in %d acquisitions; %s%n", impl, holds.size(), warmup);
            record(String.format(java.util.Locale.ROOT, "{\"impl\":\"%s\",\"jvms\":%d,\"acquisitions\":%d,\"handoffs\":0,"
                    + "%s}", impl, jvms, holds.size(), warmupJson));
            return;
        }
        // while every JVM still contends (from the last first acquisition to the first last
        // release): each JVM's share of the acquisitions, and the hand-overs between JVMs per second
        long from = Long.MIN_VALUE;
        long to = Long.MAX_VALUE;
        for (int c = 0; c < jvms; c++) {
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            for (long[] h : holds) {
                if (h[2] == c) {
                    first = Math.min(first, h[0]);
                    last = Math.max(last, h[1]);
                }
            }
            from = Math.max(from, first);
            to = Math.min(to, last);
        }
        int[] inWindow = new int[jvms];
        int total = 0;
        int crossings = 0;
        long[] previous = null;
        for (long[] h : holds) {
            if (h[0] >= from && h[1] <= to) {
                inWindow[(int) h[2]]++;
                total++;
                if (previous != null && previous[2] != h[2]) {
                    crossings++;
                }
                previous = h;
            }
        }
        int least = Integer.MAX_VALUE;
        int most = 0;
        for (int n : inWindow) {
            least = Math.min(least, n);
            most = Math.max(most, n);
        }
        double seconds = Math.max(to - from, 1) / 1e6;
        org.HdrHistogram.Histogram latency = new org.HdrHistogram.Histogram(3);
        for (long us : handoffs) {
            latency.recordValue(Math.max(us, 0));
        }
        record(String.format(java.util.Locale.ROOT, "{\"impl\":\"%s\",\"jvms\":%d,\"acquisitions\":%d,\"handoffs\":%d,"
                        + "\"overlaps\":%d,\"seconds\":%.4f,\"handoffsPerSecond\":%.1f,\"acquisitionsPerSecond\":%.1f,"
                        + "\"shareMin\":%.4f,\"shareMax\":%.4f,%s,\"latencyUs\":%s}",
                impl, jvms, holds.size(), handoffs.size(), overlaps, seconds, crossings / seconds, total / seconds,
                total == 0 ? 0.0 : (double) least / total, total == 0 ? 0.0 : (double) most / total, warmupJson, percentiles(latency)));
        System.out.printf("%-16s %d JVMs, %5d acquisitions, %5d cross-JVM hand-overs, overlaps %d; hand-over latency us: "
                        + "p50 %d, p90 %d, p99 %d, max %d; while all contend (%.2f s): %.0f hand-overs/s, "
                        + "%.0f acquisitions/s, shares %.0f%%..%.0f%%; %s%n",
                impl, jvms, holds.size(), handoffs.size(), overlaps, latency.getValueAtPercentile(50),
                latency.getValueAtPercentile(90), latency.getValueAtPercentile(99), latency.getMaxValue(),
                seconds, crossings / seconds, total / seconds,
                total == 0 ? 0.0 : 100.0 * least / total, total == 0 ? 0.0 : 100.0 * most / total, warmup);
    }

    /** Sends {@code line} to every child that still reads its input (a child that died is skipped). */
    private static void send(List<Process> children, String line) {
        for (Process child : children) {
            try {
                child.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
                child.getOutputStream().flush();
            } catch (java.io.IOException e) {
                System.err.println("could not send " + line + " to JVM " + children.indexOf(child) + ": " + e);
            }
        }
    }

    /**
     * The Redis PING round trip from this JVM, the yardstick of the hand-over latency targets:
     * 1,000 PINGs of warm-up, then the percentiles of 5,000.
     */
    static void ping() {
        try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis(
                new redis.clients.jedis.HostAndPort(Candidates.redisHost(), Candidates.redisPort()),
                Candidates.redisConfig())) {
            for (int i = 0; i < 1_000; i++) {
                jedis.ping();
            }
            org.HdrHistogram.Histogram h = new org.HdrHistogram.Histogram(3);
            for (int i = 0; i < 5_000; i++) {
                long t = System.nanoTime();
                jedis.ping();
                h.recordValue((System.nanoTime() - t) / 1_000);
            }
            record("{\"impl\":\"PING\",\"latencyUs\":" + percentiles(h) + "}");
            System.out.printf("%-16s round trip us: p50 %d, p90 %d, p99 %d, max %d%n", "PING",
                    h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getMaxValue());
        }
    }

    /** The percentile points of a latency distribution, as a JSON object "percentile": microseconds. */
    static String percentiles(org.HdrHistogram.Histogram h) {
        StringBuilder json = new StringBuilder("{");
        double[] points = {0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.9, 100};
        for (double p : points) {
            if (json.length() > 1) {
                json.append(',');
            }
            long us = p == 0 ? h.getMinValue() : p == 100 ? h.getMaxValue() : h.getValueAtPercentile(p);
            json.append('"').append(p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p)).append("\":").append(us);
        }
        return json.append('}').toString();
    }

    /** Appends one JSON line to the file named by {@code distlock.handoff.json}, if set. */
    static void record(String json) {
        String file = System.getProperty("distlock.handoff.json");
        if (file == null || file.isEmpty()) {
            return;
        }
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(file), json + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("could not write " + file, e);
        }
    }

    /** The {@code p}th percentile of sorted values (nearest rank). */
    static long pct(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
