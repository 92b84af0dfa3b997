package io.distlock.examples;

import io.distlock.LockWorker;
import io.distlock.testing.EtcdCluster;
import io.distlock.testing.JvmProcess;
import io.distlock.testing.ProcessControl;
import io.distlock.testing.RedisServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.RedisClient;

/**
 * The end-to-end demonstration: several JVM processes, each with several threads, increment a
 * shared counter kept in the server itself (a read, then a write). First without a lock, which
 * loses updates (a short pause between the read and the write makes the race show every time),
 * then under a RedisLock, and then under both kinds of EtcdLock when etcd is installed. With a
 * lock it prints the throughput, the final count that proves mutual exclusion, and the fencing
 * tokens the JVMs saw. It writes plain text (no terminal colours).
 *
 * <p>It starts its own servers on free loopback ports: redis-server from PATH, or else an embedded
 * Redis binary shipped in a Maven artifact; etcd from PATH, or it skips the etcd part. Run it with
 * {@code mvn -q -B test-compile exec:exec@demo}. Arguments: JVMs, threads per JVM, increments per
 * thread (default 3 4 50).
 */
public final class Demo {

    /** The pause between the read and the write of an increment made without the lock. */
    static final long UNLOCKED_PAUSE_MILLIS = 1;

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        int jvms = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        System.exit(run(jvms, threads, rounds) ? 0 : 1);
    }

    /** Reads a counter and deletes it. */
    private interface Counters {
        String take(String key) throws Exception;
    }

    /**
     * Runs the demonstration.
     *
     * @return whether every final count made under a lock was exact
     */
    public static boolean run(int jvms, int threads, int rounds) throws Exception {
        System.out.printf("distlock demo: %d JVMs x %d threads x %d increments of one counter kept in the server"
                + " (%d in all).%n", jvms, threads, rounds, (long) jvms * threads * rounds);
        System.out.println("An increment reads the counter, then writes it back plus one: an update written by"
                + " another thread");
        System.out.println("between the two is lost. The lock keeps the other threads out.");
        System.out.println();
        boolean ok = true;
        Path redisBinary = ProcessControl.onPath("redis-server");
        if (redisBinary != null) {
            try (RedisServer redis = RedisServer.startLocal(redisBinary)) {
                ok &= runRedis(redis.host(), redis.port(), "redis-server from PATH", jvms, threads, rounds);
            }
        } else {
            int port = ProcessControl.freePort();
            redis.embedded.RedisServer embedded = redis.embedded.RedisServer.newRedisServer()
                    .port(port).bind("127.0.0.1").build();
            embedded.start();
            try {
                ok &= runRedis("127.0.0.1", port, "embedded Redis (no redis-server on PATH)", jvms, threads, rounds);
            } finally {
                embedded.stop();
            }
        }
        Path etcdBinary = ProcessControl.onPath("etcd");
        if (etcdBinary == null) {
            System.out.println("etcd is not on PATH, so the EtcdLock part is skipped "
                    + "(Debian/Ubuntu: apt-get install etcd-server).");
            System.out.println();
        } else {
            try (EtcdCluster etcd = EtcdCluster.startLocal(etcdBinary, 1)) {
                String endpoint = etcd.endpoints().get(0);
                System.out.println("etcd: etcd from PATH");
                ok &= runEtcd(endpoint, "etcd-txn", "with an EtcdLock (transactions):", jvms, threads, rounds);
                ok &= runEtcd(endpoint, "etcd-lock-service", "with an EtcdLock (etcd's lock service):",
                        jvms, threads, rounds);
            }
        }
        System.out.println(ok ? "All counts exact under the locks: mutual exclusion held."
                : "A COUNT MADE UNDER A LOCK WAS WRONG.");
        return ok;
    }

    private static boolean runRedis(String host, int port, String server, int jvms, int threads, int rounds)
            throws Exception {
        String spec = "redis:" + host + ":" + port;
        System.out.println("Redis: " + server);
        try (RedisClient client = RedisClient.create(host, port)) {
            Counters counters = key -> {
                String value = client.get(key);
                client.del(key);
                return value;
            };
            String counter = "demo-counter-" + UUID.randomUUID();
            long total = runUnlocked(spec, counter, jvms, threads, rounds);
            reportUnlocked(counters.take(counter), total);

            counter = "demo-counter-" + UUID.randomUUID();
            total = run("with a RedisLock:", spec, counter, jvms, threads, rounds);
            return report(counters.take(counter), total);
        }
    }

    private static boolean runEtcd(String endpoint, String spec, String label, int jvms, int threads, int rounds)
            throws Exception {
        String counter = "demo-counter-" + UUID.randomUUID();
        long total = run(label, spec + ":" + endpoint, counter, jvms, threads, rounds);
        try (Client client = Client.builder().endpoints(endpoint).build()) {
            ByteSequence key = ByteSequence.from(counter, StandardCharsets.UTF_8);
            GetResponse r = client.getKVClient().get(key).get(30, TimeUnit.SECONDS);
            client.getKVClient().delete(key).get(30, TimeUnit.SECONDS);
            return report(r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8), total);
        }
    }

    private static boolean report(String value, long expected) {
        boolean exact = String.valueOf(expected).equals(value);
        System.out.printf("  final counter %s, expected %d: %s%n%n", value, expected, exact ? "exact" : "WRONG");
        return exact;
    }

    private static void reportUnlocked(String value, long expected) {
        long lost = expected - (value == null ? 0 : Long.parseLong(value));
        System.out.printf("  final counter %s, expected %d: %s%n%n", value, expected,
                lost > 0 ? lost + " updates lost" : "no update lost this time (the race did not show)");
    }

    /** The same JVMs and threads, the same increments, no lock; returns the number of increments made. */
    private static long runUnlocked(String spec, String counter, int jvms, int threads, int rounds) {
        System.out.printf("  without a lock (each increment pauses %d ms between its read and its write,"
                + " to make the race show):%n", UNLOCKED_PAUSE_MILLIS);
        List<JvmProcess> workers = new ArrayList<>();
        try {
            String prefix = "demo-" + UUID.randomUUID() + "-";
            for (int i = 0; i < jvms; i++) {
                workers.add(JvmProcess.start(LockWorker.class, spec, prefix, "count-unlocked", "counter",
                        Integer.toString(threads), Integer.toString(rounds), counter,
                        Long.toString(UNLOCKED_PAUSE_MILLIS)));
            }
            for (JvmProcess w : workers) {
                w.awaitLine("READY", Duration.ofSeconds(60));
            }
            long start = System.nanoTime();
            workers.forEach(w -> w.send("go"));
            long total = 0;
            for (JvmProcess w : workers) {
                total += Long.parseLong(w.awaitLine("DONE", Duration.ofMinutes(5)).split(" ")[1]);
            }
            System.out.printf("  %d increments in %.2f s%n", total, (System.nanoTime() - start) / 1e9);
            return total;
        } finally {
            workers.forEach(JvmProcess::close);
        }
    }

    /** Runs the JVMs under the lock, prints what each saw, returns the number of increments they made. */
    private static long run(String label, String spec, String counter, int jvms, int threads, int rounds) {
        System.out.println("  " + label);
        String prefix = "demo-" + UUID.randomUUID() + "-";
        List<JvmProcess> workers = new ArrayList<>();
        try {
            for (int i = 0; i < jvms; i++) {
                workers.add(JvmProcess.start(LockWorker.class, spec, prefix, "count", "counter",
                        Integer.toString(threads), Integer.toString(rounds), counter));
            }
            for (JvmProcess w : workers) {
                w.awaitLine("READY", Duration.ofSeconds(60));
            }
            long start = System.nanoTime();
            workers.forEach(w -> w.send("go"));
            long total = 0;
            System.out.printf("  %-4s %-8s %10s %9s %8s %22s %22s%n", "JVM", "pid", "increments", "time ms",
                    "tokens", "lowest token", "highest token");
            for (int i = 0; i < workers.size(); i++) {
                String done = workers.get(i).awaitLine("DONE", Duration.ofMinutes(5));
                // "DONE n ms=... fences=k minFence=... maxFence=..."
                String[] parts = done.split(" ");
                java.util.Map<String, String> values = new java.util.HashMap<>();
                for (int p = 2; p < parts.length; p++) {
                    int eq = parts[p].indexOf('=');
                    values.put(parts[p].substring(0, eq), parts[p].substring(eq + 1));
                }
                total += Long.parseLong(parts[1]);
                System.out.printf("  %-4d %-8d %10s %9s %8s %22s %22s%n", i + 1, workers.get(i).pid(), parts[1],
                        values.get("ms"), values.get("fences"), values.get("minFence"), values.get("maxFence"));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("  %d increments in %.2f s: %.0f lock+unlock per second across all JVMs%n",
                    total, seconds, total / seconds);
            return total;
        } finally {
            workers.forEach(JvmProcess::close);
        }
    }
}
