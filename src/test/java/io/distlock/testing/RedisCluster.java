package io.distlock.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A Redis Cluster for tests: {@code masters * (1 + replicas)} redis-server processes with
 * {@code cluster-enabled yes} on free loopback ports (data port and cluster bus port each chosen
 * free), joined by {@code redis-cli --cluster create}, no persistence. Each node can be killed,
 * paused and restarted (a restarted node keeps its {@code nodes.conf}, so it rejoins with its
 * identity and role; its data is gone). Or a cluster given by address, which cannot.
 */
public abstract class RedisCluster implements AutoCloseable {

    /** Environment variable with the {@code host:port} seeds of a running cluster on loopback. */
    public static final String ADDRESS_VARIABLE = "DISTLOCK_TEST_REDIS_CLUSTER";

    private static final int QUERY_TIMEOUT_MILLIS = 2_000;

    /** The {@code host:port} of every node. */
    public abstract List<String> seeds();

    /** The seeds as Jedis addresses. */
    public Set<HostAndPort> hostsAndPorts() {
        Set<HostAndPort> all = new LinkedHashSet<>();
        for (String s : seeds()) {
            all.add(HostAndPort.from(s));
        }
        return all;
    }

    /** Whether nodes can be killed, paused and restarted. */
    public boolean controllable() {
        return false;
    }

    /** SIGSTOPs every node. */
    public void pauseAll() {
        unsupported("pause");
    }

    /** SIGCONTs every node. */
    public void resumeAll() {
        unsupported("resume");
    }

    /** SIGKILLs every node (all data lost). */
    public void killAll() {
        unsupported("kill");
    }

    /** Starts every killed node again and waits until the cluster serves every slot. */
    public void restartAll() {
        unsupported("restart");
    }

    /** SIGKILLs the node that serves {@code port}. */
    public void kill(int port) {
        unsupported("kill");
    }

    /** Starts the killed node of {@code port} again (it rejoins, as a replica if it was failed over). */
    public void restart(int port) {
        unsupported("restart");
    }

    /** SIGSTOPs the node of {@code port}. */
    public void pause(int port) {
        unsupported("pause");
    }

    /** SIGCONTs the node of {@code port}. */
    public void resume(int port) {
        unsupported("resume");
    }

    /** Waits until every running node reports {@code cluster_state:ok}. */
    public void awaitHealthy(Duration timeout) {
        awaitState(timeout, () -> healthy(seeds(), -1), this + " did not reach cluster_state:ok within " + timeout);
    }

    /** Polls {@code state} every 50 ms until it holds; fails with {@code failure} after {@code timeout}. */
    static void awaitState(Duration timeout, java.util.concurrent.Callable<Boolean> state, String failure) {
        try {
            org.awaitility.Awaitility.await().atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(50)).until(state);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IllegalStateException(failure, e);
        }
    }

    /**
     * Moves {@code slot} and its keys to {@code target} (a master), as a resharding does:
     * importing and migrating states, MIGRATE of every key, then the new owner announced to
     * every master.
     */
    public void migrateSlot(int slot, String target) {
        String source = masterOfSlot(slot);
        if (source.equals(target)) {
            throw new IllegalArgumentException("slot " + slot + " is not served by another master than " + target);
        }
        String sourceId;
        String targetId;
        try (Jedis s = connect(source); Jedis t = connect(target)) {
            sourceId = s.clusterMyId();
            targetId = t.clusterMyId();
            t.clusterSetSlotImporting(slot, sourceId);
            s.clusterSetSlotMigrating(slot, targetId);
            HostAndPort to = HostAndPort.from(target);
            for (List<String> keys = s.clusterGetKeysInSlot(slot, 100); !keys.isEmpty();
                 keys = s.clusterGetKeysInSlot(slot, 100)) {
                s.migrate(to.getHost(), to.getPort(), 5_000,
                        new redis.clients.jedis.params.MigrateParams(), keys.toArray(String[]::new));
            }
            t.clusterSetSlotNode(slot, targetId);
            s.clusterSetSlotNode(slot, targetId);
        }
        for (String master : masters()) {
            try (Jedis jedis = connect(master)) {
                jedis.clusterSetSlotNode(slot, targetId);
            } catch (RuntimeException e) {
                // the epoch spreads it anyway
            }
        }
    }

    /** The {@code host:port} of the master serving {@code slot}. */
    public String masterOfSlot(int slot) {
        for (String[] node : nodeTable()) {
            if (!node[2].contains("master") || node[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < node.length; i++) {
                String range = node[i];
                if (range.startsWith("[")) {
                    continue;   // a slot being migrated or imported
                }
                int dash = range.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(range.substring(dash + 1));
                if (slot >= from && slot <= to) {
                    return address(node[1]);
                }
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    /** The {@code host:port} of a replica of {@code master}, as the cluster reports it. */
    public String replicaOf(String master) {
        String masterId = null;
        List<String[]> table = nodeTable();
        for (String[] node : table) {
            if (address(node[1]).equals(master)) {
                masterId = node[0];
            }
        }
        for (String[] node : table) {
            if (node[3].equals(masterId) && !node[2].contains("fail")) {
                return address(node[1]);
            }
        }
        throw new IllegalStateException(master + " has no replica");
    }

    @Override
    public abstract void close();

    private void unsupported(String what) {
        Assumptions.abort(what + " needs a Redis Cluster started by the tests; " + this + " is not one");
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + seeds();
    }

    /** A short-lived connection to one node. */
    public static Jedis connect(String hostAndPort) {
        return new Jedis(HostAndPort.from(hostAndPort), DefaultJedisClientConfig.builder()
                .timeoutMillis(QUERY_TIMEOUT_MILLIS).autoNegotiateProtocol(false).build());
    }

    /**
     * The masters the cluster reports as serving slots (not failed), as {@code host:port}, asked of
     * the first node that answers.
     */
    public List<String> masters() {
        List<String> masters = new ArrayList<>();
        for (String[] node : nodeTable()) {
            if (node[2].contains("master") && !node[2].contains("fail") && node.length > 8) {
                masters.add(address(node[1]));
            }
        }
        return masters;
    }

    /** The {@code host:port} of the master serving {@code key}'s slot. */
    public String masterOf(String key) {
        return masterOfSlot(JedisClusterCRC16.getSlot(key));
    }

    /** Every key under {@code prefix}, from every master. */
    public List<String> keys(String prefix, String escapedPattern) {
        List<String> found = new ArrayList<>();
        for (String master : masters()) {
            try (Jedis jedis = connect(master)) {
                String cursor = ScanParams.SCAN_POINTER_START;
                ScanParams params = new ScanParams().match(escapedPattern).count(1000);
                do {
                    ScanResult<String> page = jedis.scan(cursor, params);
                    found.addAll(page.getResult());
                    cursor = page.getCursor();
                } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            }
        }
        return found;
    }

    /** CLUSTER NODES of the first node that answers, one array of fields per node. */
    private List<String[]> nodeTable() {
        RuntimeException last = null;
        for (String seed : seeds()) {
            try (Jedis jedis = connect(seed)) {
                List<String[]> table = new ArrayList<>();
                for (String line : jedis.clusterNodes().split("\n")) {
                    if (!line.isBlank()) {
                        table.add(line.trim().split(" "));
                    }
                }
                return table;
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw new IllegalStateException("no node of " + this + " answers CLUSTER NODES", last);
    }

    private static String address(String field) {
        int at = field.indexOf('@');
        return at < 0 ? field : field.substring(0, at);
    }

    /**
     * Whether every given node reports {@code cluster_state:ok} and knows {@code total} nodes
     * ({@code -1}: nodes that do not answer are left out, and the count is not checked).
     */
    static boolean healthy(List<String> seeds, int total) {
        for (String seed : seeds) {
            try (Jedis jedis = connect(seed)) {
                String info = jedis.clusterInfo();
                if (!info.contains("cluster_state:ok")
                        || (total >= 0 && !info.contains("cluster_known_nodes:" + total + "\r"))) {
                    return false;
                }
                String replication = jedis.info("replication");
                if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                    return false;
                }
            } catch (RuntimeException e) {
                if (total >= 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Starts a cluster of local processes.
     *
     * @param redisServer the redis-server executable (7.0 or later: the bus port is set apart)
     * @param redisCli the redis-cli executable
     * @param masters masters, 1 to 16
     * @param replicas replicas per master
     * @param nodeTimeout {@code cluster-node-timeout}: how long a node may be silent before the
     *        others fail it over
     * @return the running cluster; {@link #close()} stops it
     */
    public static RedisCluster startLocal(Path redisServer, Path redisCli, int masters, int replicas,
                                          Duration nodeTimeout) {
        return new Local(redisServer, redisCli, masters, replicas, nodeTimeout);
    }

    /** A cluster of redis-server processes this JVM started. */
    static final class Local extends RedisCluster {
        private final List<RedisServer.Local> nodes = new ArrayList<>();
        private final List<String> seeds = new ArrayList<>();
        private final List<Integer> busPorts = new ArrayList<>();

        Local(Path redisServer, Path redisCli, int masters, int replicas, Duration nodeTimeout) {
            if (masters < 1 || masters > 16 || replicas < 0) {
                throw new IllegalArgumentException("masters 1..16 and replicas >= 0, were " + masters + ", " + replicas);
            }
            int total = masters * (1 + replicas);
            try {
                for (int i = 0; i < total; i++) {
                    int busPort = ProcessControl.freePort();
                    busPorts.add(busPort);
                    RedisServer.Local node = new RedisServer.Local(redisServer, List.of(
                            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                            "--cluster-node-timeout", Long.toString(nodeTimeout.toMillis()),
                            "--cluster-port", Integer.toString(busPort)));
                    nodes.add(node);
                    seeds.add(node.host() + ":" + node.port());
                }
                if (masters == 1 && replicas == 0) {
                    // redis-cli refuses a cluster of fewer than 3 masters: assign the slots directly
                    try (Jedis jedis = connect(seeds.get(0))) {
                        jedis.clusterAddSlotsRange(0, 16383);
                    }
                } else if (masters < 3) {
                    createSmall(masters, replicas);
                } else {
                    List<String> cmd = new ArrayList<>(List.of(redisCli.toString(), "--cluster", "create"));
                    cmd.addAll(seeds);
                    cmd.addAll(List.of("--cluster-replicas", Integer.toString(replicas), "--cluster-yes"));
                    run(cmd);
                }
                awaitAllHealthy(Duration.ofSeconds(60));
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        /** One or two masters (redis-cli wants three): slots split by hand, replicas attached. */
        private void createSmall(int masters, int replicas) {
            String first = seeds.get(0);
            HostAndPort firstAddress = HostAndPort.from(first);
            for (int i = 1; i < seeds.size(); i++) {
                try (Jedis jedis = connect(seeds.get(i))) {
                    // with the bus port named: it is not the data port + 10000
                    jedis.sendCommand(redis.clients.jedis.Protocol.Command.CLUSTER, "MEET", firstAddress.getHost(),
                            Integer.toString(firstAddress.getPort()), Integer.toString(busPorts.get(0)));
                }
            }
            int per = 16384 / masters;
            for (int m = 0; m < masters; m++) {
                try (Jedis jedis = connect(seeds.get(m))) {
                    jedis.clusterAddSlotsRange(m * per, m == masters - 1 ? 16383 : (m + 1) * per - 1);
                }
            }
            awaitKnown(Duration.ofSeconds(30));
            for (int r = masters; r < seeds.size(); r++) {
                String masterId;
                try (Jedis master = connect(seeds.get((r - masters) % masters))) {
                    masterId = master.clusterMyId();
                }
                try (Jedis replica = connect(seeds.get(r))) {
                    replica.clusterReplicate(masterId);
                }
            }
        }

        private void awaitKnown(Duration timeout) {
            awaitState(timeout, () -> {
                boolean all = true;
                for (String seed : seeds) {
                    try (Jedis jedis = connect(seed)) {
                        all &= jedis.clusterInfo().contains("cluster_known_nodes:" + seeds.size() + "\r");
                    }
                }
                return all;
            }, "the nodes of " + this + " did not meet");
        }

        private static void run(List<String> cmd) {
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot run " + cmd.get(0), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        void awaitAllHealthy(Duration timeout) {
            awaitState(timeout, () -> healthy(seeds, seeds.size()),
                    this + " did not reach cluster_state:ok within " + timeout);
        }

        @Override
        public List<String> seeds() {
            return List.copyOf(seeds);
        }

        @Override
        public boolean controllable() {
            return true;
        }

        @Override
        public void pauseAll() {
            nodes.forEach(RedisServer::pause);
        }

        @Override
        public void resumeAll() {
            nodes.forEach(RedisServer::resume);
        }

        @Override
        public void killAll() {
            nodes.forEach(RedisServer::kill);
        }

        @Override
        public void restartAll() {
            for (RedisServer.Local node : nodes) {
                if (!node.alive()) {
                    node.restart();
                }
            }
            awaitAllHealthy(Duration.ofSeconds(60));
        }

        private RedisServer.Local node(int port) {
            for (RedisServer.Local node : nodes) {
                if (node.port() == port) {
                    return node;
                }
            }
            throw new IllegalArgumentException("no node on port " + port);
        }

        @Override
        public void kill(int port) {
            node(port).kill();
        }

        @Override
        public void restart(int port) {
            node(port).restart();
        }

        @Override
        public void pause(int port) {
            node(port).pause();
        }

        @Override
        public void resume(int port) {
            node(port).resume();
        }

        @Override
        public void close() {
            nodes.forEach(RedisServer::close);
        }
    }

    /** A cluster given by {@value #ADDRESS_VARIABLE}. */
    static final class External extends RedisCluster {
        private final List<String> seeds;

        External(List<String> seeds) {
            this.seeds = List.copyOf(seeds);
        }

        @Override
        public List<String> seeds() {
            return seeds;
        }

        @Override
        public void close() {
        }
    }
}
