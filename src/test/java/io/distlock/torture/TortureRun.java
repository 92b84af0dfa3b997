package io.distlock.torture;

import io.distlock.testing.EtcdCluster;
import io.distlock.testing.JvmProcess;
import io.distlock.testing.RedisServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * A torture run: N worker JVMs ({@link TortureWorker}) x T threads contending for K lock names
 * for a bounded time, while faults are injected at times chosen by a seed: a holder killed
 * (SIGKILL) in its critical section and replaced, a holder frozen (SIGSTOP) past its lease and
 * thawed, the lock server restarted (Redis without persistence, etcd with its data), every
 * connection cut (Redis {@code CLIENT KILL}; etcd frozen for 300 ms). Then {@link TortureChecker}
 * reads the records, and the lock server is checked for keys left behind.
 */
final class TortureRun {

    /** What to run. */
    record Config(String backend, boolean readWrite, int processes, int threads, int names, int seconds,
                  long seed, long leaseMillis, int kills, int freezes, int restarts, int cuts) {

        String describe() {
            return backend + (readWrite ? " read/write" : "") + ": " + processes + " JVMs x " + threads + " threads, "
                    + names + " names, " + seconds + " s, lease " + leaseMillis + " ms, seed " + seed + "; faults: "
                    + kills + " kill(s), " + freezes + " freeze(s), " + restarts + " restart(s), " + cuts + " cut(s)";
        }
    }

    /** The server the locks live on, as the run needs to fault it. */
    interface LockServer {
        /** The workers' back-end argument for a flavour. */
        String spec(String backend);

        /**
         * Kills and restarts the server, or, for a cluster, one member (the leader and a
         * follower in turn); returns what was restarted.
         */
        Restart restart();

        /** Cuts every client's connections. */
        void cutConnections();

        /** Lock keys (not fencing counters, which expire) left under a prefix. */
        List<String> keysLeft(String prefix);
    }

    /** A Redis lock server (restarts lose the data: no persistence). */
    static LockServer redis(RedisServer server) {
        return new LockServer() {
            @Override
            public String spec(String backend) {
                // "redis", or "redis-handover" (releases hand the lock to a waiter)
                return backend + ":" + server.host() + ":" + server.port();
            }

            @Override
            public Restart restart() {
                server.kill();
                server.restart();
                return new Restart(0, "server", true);
            }

            @Override
            public void cutConnections() {
                try (Jedis admin = connect(server)) {
                    admin.clientKill(ClientKillParams.clientKillParams().type(ClientType.NORMAL).skipMe(ClientKillParams.SkipMe.YES));
                    admin.clientKill(ClientKillParams.clientKillParams().type(ClientType.PUBSUB));
                }
            }

            @Override
            public List<String> keysLeft(String prefix) {
                List<String> left = new ArrayList<>();
                try (Jedis jedis = connect(server)) {
                    String cursor = ScanParams.SCAN_POINTER_START;
                    do {
                        ScanResult<String> page = jedis.scan(cursor, new ScanParams().match(prefix + "*").count(1000));
                        for (String key : page.getResult()) {
                            if (!io.distlock.redis.RedisTestSupport.expiring(key) || jedis.pttl(key) == -1) {
                                left.add(key);
                            }
                        }
                        cursor = page.getCursor();
                    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
                }
                return left;
            }
        };
    }

    /** What a restart fault hit: a member (0 for a single server), its role, whether data was lost. */
    record Restart(int member, String role, boolean dataLost) {
    }

    /**
     * An etcd lock server: one member, or a cluster whose leader and a follower are killed and
     * restarted in turn (a member stays down for a second, so that the others elect a leader or
     * serve without it); restarts keep the data. Connections are cut by freezing member 0.
     */
    static LockServer etcd(EtcdCluster cluster) {
        return new LockServer() {
            private int restarts;

            @Override
            public String spec(String backend) {
                return backend + ":" + String.join(",", cluster.endpoints());
            }

            @Override
            public Restart restart() {
                if (cluster.size() == 1) {
                    cluster.kill(0);
                    cluster.restart(0);
                    return new Restart(0, "member", false);
                }
                int leader = leader(cluster);
                boolean hitLeader = restarts++ % 2 == 0;
                int member = hitLeader ? leader : (leader + 1) % cluster.size();
                cluster.kill(member);
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                cluster.restart(member);
                return new Restart(member, hitLeader ? "leader" : "follower", false);
            }

            @Override
            public void cutConnections() {
                cluster.pause(0);
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    cluster.resume(0);
                }
            }

            @Override
            public List<String> keysLeft(String prefix) {
                try (Client client = Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build()) {
                    return client.getKVClient().get(ByteSequence.from(prefix, StandardCharsets.UTF_8),
                                    GetOption.builder().isPrefix(true).withKeysOnly(true).build())
                            .get(30, TimeUnit.SECONDS).getKvs().stream().map(KeyValue::getKey)
                            .map(k -> k.toString(StandardCharsets.UTF_8)).collect(Collectors.toList());
                } catch (Exception e) {
                    throw new IllegalStateException("could not list keys under " + prefix, e);
                }
            }
        };
    }

    /** The index of the cluster's leader, as its members report it. */
    static int leader(EtcdCluster cluster) {
        List<String> endpoints = cluster.endpoints();
        int[] leader = {-1};
        try (Client client = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        for (int i = 0; i < endpoints.size(); i++) {
                            try {
                                var status = client.getMaintenanceClient().statusMember(endpoints.get(i))
                                        .get(5, TimeUnit.SECONDS);
                                if (status.getLeader() != 0 && status.getLeader() == status.getHeader().getMemberId()) {
                                    leader[0] = i;
                                    return true;
                                }
                            } catch (Exception memberDown) {
                                // ask the next one
                            }
                        }
                        return false;
                    });
            return leader[0];
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IllegalStateException("no leader among " + endpoints, e);
        }
    }

    static Jedis connect(RedisServer server) {
        return new Jedis(new HostAndPort(server.host(), server.port()),
                DefaultJedisClientConfig.builder().timeoutMillis(5_000).build());
    }

    /** The outcome of a run: the checker's report, and the lock keys left at the end. */
    record Outcome(TortureChecker.Report report, List<String> keysLeft, List<String> faultLog) {
        boolean ok() {
            return report.ok() && keysLeft.isEmpty();
        }
    }

    private final Config config;
    private final LockServer lockServer;
    private final RedisServer register;
    private final Path dir;
    private final String prefix = "torture-" + UUID.randomUUID() + "-";
    private final List<JvmProcess> workers = new ArrayList<>();
    private final List<Path> recordFiles = new ArrayList<>();
    private final List<String> faults = Collections.synchronizedList(new ArrayList<>());
    private int started;

    TortureRun(Config config, LockServer lockServer, RedisServer register, Path dir) {
        this.config = config;
        this.lockServer = lockServer;
        this.register = register;
        this.dir = dir;
    }

    private JvmProcess startWorker(long seed, int seconds) {
        Path records = dir.resolve("records-" + (started++) + ".log");
        recordFiles.add(records);
        JvmProcess p = JvmProcess.start(TortureWorker.class, lockServer.spec(config.backend()), prefix,
                config.readWrite() ? "rw" : "exclusive", Integer.toString(config.names()), Integer.toString(config.threads()),
                Integer.toString(1_000_000), Integer.toString(seconds), Long.toString(seed),
                Long.toString(config.leaseMillis()), register.host() + ":" + register.port(), records.toString());
        workers.add(p);
        return p;
    }

    Outcome run() throws Exception {
        Files.createDirectories(dir);
        Random rng = new Random(config.seed());
        try (Jedis reg = connect(register)) {
            reg.flushAll();
        }
        List<JvmProcess> first = new ArrayList<>();
        for (int i = 0; i < config.processes(); i++) {
            first.add(startWorker(config.seed() * 100 + i, config.seconds()));
        }
        for (JvmProcess w : first) {
            w.awaitLine("READY", Duration.ofSeconds(90));
        }
        long start = System.nanoTime();
        first.forEach(w -> w.send("go"));
        List<String> plan = new ArrayList<>();
        for (int i = 0; i < config.kills(); i++) {
            plan.add("KILL");
        }
        for (int i = 0; i < config.freezes(); i++) {
            plan.add("STOP");
        }
        for (int i = 0; i < config.restarts(); i++) {
            plan.add("RESTART");
        }
        for (int i = 0; i < config.cuts(); i++) {
            plan.add("CUT");
        }
        Collections.shuffle(plan, rng);
        // faults spread over the first 80% of the run, so that the last ones are recovered from
        long window = TimeUnit.SECONDS.toNanos(config.seconds()) * 8 / 10;
        for (int i = 0; i < plan.size(); i++) {
            long at = start + window * (i + 1) / (plan.size() + 1);
            long wait = at - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            inject(plan.get(i), rng, start);
        }
        List<JvmProcess> running = new ArrayList<>(workers);
        for (JvmProcess w : running) {
            if (w.waitFor(Duration.ofSeconds(config.seconds() + 90)) == -1) {
                faults.add("HUNG " + w.pid() + " " + System.nanoTime());
                w.close();
            }
        }
        List<String> registerLog;
        Map<String, String> counters = new HashMap<>();
        try (Jedis reg = connect(register)) {
            registerLog = reg.lrange(TortureWorker.LOG_KEY, 0, -1);
            for (int i = 0; i < config.names(); i++) {
                counters.put("n" + i, reg.get(TortureWorker.counterKey("n" + i)));
            }
        }
        TortureChecker.Report report = TortureChecker.check(TortureWorker.readRecords(recordFiles), registerLog,
                TortureChecker.counters(counters), TortureChecker.parseFaults(faults.stream()
                        .filter(f -> !f.startsWith("HUNG")).collect(Collectors.toList())));
        // a killed holder's lease runs out within one lease time
        List<List<String>> lastLeft = new ArrayList<>(List.of(lockServer.keysLeft(prefix)));
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofMillis(3 * config.leaseMillis() + 10_000))
                    .pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200)).until(() -> {
                        lastLeft.set(0, lockServer.keysLeft(prefix));
                        return lastLeft.get(0).isEmpty();
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // reported below: the keys still there
        }
        List<String> left = lastLeft.get(0);
        Files.write(dir.resolve("faults.log"), faults);
        Files.write(dir.resolve("register.log"), registerLog);
        Files.write(dir.resolve("counters.txt"), counters.entrySet().stream()
                .map(e -> e.getKey() + " " + (e.getValue() == null ? "0" : e.getValue())).collect(Collectors.toList()));
        List<String> hung = faults.stream().filter(f -> f.startsWith("HUNG")).collect(Collectors.toList());
        if (!hung.isEmpty()) {
            report.pastDeadline.addAll(hung);
        }
        return new Outcome(report, left, new ArrayList<>(faults));
    }

    /**
     * A worker process caught inside a critical section, and left frozen (SIGSTOP): a process
     * marked as a holder in the register is frozen, and kept only if one of its threads' last
     * record (flushed line by line) is an entry without its exit; else it is thawed and another
     * is tried. Null if none was caught.
     */
    private JvmProcess frozenHolder(Random rng) throws Exception {
        try (Jedis reg = connect(register)) {
            // up to 100 tries, 10 ms apart, until one catches a holder inside its section
            JvmProcess[] caught = new JvmProcess[1];
            int[] attempts = {0};
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(10)).until(() -> {
                        caught[0] = tryToCatchHolder(reg, rng);
                        return caught[0] != null || ++attempts[0] >= 100;
                    });
            return caught[0];
        }
    }

    /** One try of {@link #frozenHolder}: a holder of a random name, frozen inside its section, or null. */
    private JvmProcess tryToCatchHolder(Jedis reg, Random rng) throws Exception {
        String pid = reg.get(TortureWorker.holderKey("n" + rng.nextInt(config.names())));
        for (int i = 0; pid != null && i < workers.size(); i++) {
            JvmProcess w = workers.get(i);
            if (Long.toString(w.pid()).equals(pid) && w.waitFor(Duration.ZERO) == -1) {
                // a worker may end its run between the check and the signal
                if (!signalUnlessEnded(w, true)) {
                    continue;
                }
                if (insideSection(recordFiles.get(i))) {
                    return w;
                }
                signalUnlessEnded(w, false);
            }
        }
        return null;
    }

    /** Freezes or thaws a worker; false if it had already ended (its run was over). */
    private static boolean signalUnlessEnded(JvmProcess w, boolean freeze) {
        try {
            if (freeze) {
                w.freeze();
            } else {
                w.thaw();
            }
            return true;
        } catch (IllegalStateException e) {
            if (w.waitFor(Duration.ofSeconds(1)) != -1) {
                return false;
            }
            throw e;
        }
    }

    /** Whether some thread's last record in a worker's file is an entry (E or W) without its exit. */
    private static boolean insideSection(Path records) throws IOException {
        long size = Files.size(records);
        byte[] tail;
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(records.toFile(), "r")) {
            long from = Math.max(0, size - 65_536);
            tail = new byte[(int) (size - from)];
            f.seek(from);
            f.readFully(tail);
        }
        Map<String, String> last = new HashMap<>();
        for (String line : new String(tail, StandardCharsets.UTF_8).split("\n")) {
            String[] f = line.split(" ");
            if (f.length >= 4 && "EWRUXF".contains(f[0]) && f[0].length() == 1) {
                last.put(f[2], f[0]);
            }
        }
        return last.values().stream().anyMatch(kind -> kind.equals("E") || kind.equals("W") || kind.equals("R"));
    }

    private void inject(String kind, Random rng, long start) throws Exception {
        switch (kind) {
            case "KILL" -> {
                JvmProcess victim = frozenHolder(rng);
                if (victim != null) {
                    faults.add("KILL " + victim.pid() + " " + System.nanoTime());
                    victim.kill();
                    int left = (int) Math.max(5, config.seconds() - TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
                    JvmProcess replacement = startWorker(rng.nextLong() & Long.MAX_VALUE, left);
                    replacement.awaitLine("READY", Duration.ofSeconds(90));
                    replacement.send("go");
                }
            }
            case "STOP" -> {
                JvmProcess victim = frozenHolder(rng);
                if (victim != null) {
                    faults.add("STOP " + victim.pid() + " " + System.nanoTime());
                    Thread.sleep(config.leaseMillis() + 1_500);
                    victim.thaw();
                    faults.add("CONT " + victim.pid() + " " + System.nanoTime());
                }
            }
            case "RESTART" -> {
                long at = System.nanoTime();
                Restart r = lockServer.restart();
                faults.add("RESTART " + r.member() + " " + at + (r.dataLost() ? " lost " : " kept ") + r.role());
            }
            case "CUT" -> {
                faults.add("CUT 0 " + System.nanoTime());
                lockServer.cutConnections();
            }
            default -> throw new IllegalArgumentException(kind);
        }
    }

    /** Writes the report of a run to its directory and returns the summary line. */
    static String describe(Config config, Outcome outcome, Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(config.describe());
        lines.add(outcome.report().summary());
        lines.add("lock keys left: " + outcome.keysLeft());
        lines.addAll(outcome.report().violations());
        Files.write(dir.resolve("report.txt"), lines);
        return String.join("\n", lines);
    }
}
