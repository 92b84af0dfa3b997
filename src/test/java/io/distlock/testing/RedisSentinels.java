package io.distlock.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * JUnit 5 extension that gives a test class a Redis primary with replicas, watched by sentinels,
 * every one a redis-server process on a free loopback port (no persistence), stopped after the
 * class:
 * <pre>{@code
 * @RegisterExtension
 * static final RedisSentinels redis = RedisSentinels.start(2, 3, Duration.ofSeconds(1));
 * }</pre>
 * The sentinels monitor the primary as {@value #MASTER_NAME} with a quorum of a majority of
 * them, and fail it over once it has not answered for the given time. Needs a redis-server
 * binary ({@value RedisServers#BINARY_VARIABLE}, else the one on PATH); there is no container
 * or external fallback (a test needs to kill the primary it was given).
 * {@link #withSentinelPassword} makes the sentinels ask their clients (and each other) for a
 * password ({@code requirepass}); the data nodes never ask for one.
 */
public final class RedisSentinels implements BeforeAllCallback, AfterAllCallback {

    /** The name the sentinels monitor the primary under. */
    public static final String MASTER_NAME = "distlock";

    private final int replicas;
    private final int sentinelCount;
    private final Duration downAfter;
    private final List<RedisServer.Local> dataNodes = new ArrayList<>();
    private final List<RedisServer.Local> sentinels = new ArrayList<>();
    private String sentinelPassword;

    private RedisSentinels(int replicas, int sentinels, Duration downAfter) {
        this.replicas = replicas;
        this.sentinelCount = sentinels;
        this.downAfter = downAfter;
    }

    /** A primary with {@code replicas} replicas and {@code sentinels} sentinels. */
    public static RedisSentinels start(int replicas, int sentinels, Duration downAfter) {
        if (replicas < 1 || sentinels < 1) {
            throw new IllegalArgumentException("at least one replica and one sentinel");
        }
        return new RedisSentinels(replicas, sentinels, downAfter);
    }

    /**
     * Makes the sentinels ask for {@code password} ({@code requirepass} in their configuration,
     * which they also use with each other); before the class starts.
     */
    public RedisSentinels withSentinelPassword(String password) {
        this.sentinelPassword = java.util.Objects.requireNonNull(password, "password");
        return this;
    }

    /** The sentinels' password, or {@code null} if they ask for none. */
    public String sentinelPassword() {
        return sentinelPassword;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        String binaryVar = System.getenv(RedisServers.BINARY_VARIABLE);
        Path binary = binaryVar != null && !binaryVar.isBlank() ? Path.of(binaryVar) : ProcessControl.onPath("redis-server");
        if (binary == null) {
            throw new IllegalStateException("No Redis for the Sentinel tests: install redis-server on PATH "
                    + "(Debian/Ubuntu: apt-get install redis-server) or set " + RedisServers.BINARY_VARIABLE
                    + " to its path.");
        }
        try {
            RedisServer.Local primary = new RedisServer.Local(binary);
            dataNodes.add(primary);
            for (int i = 0; i < replicas; i++) {
                dataNodes.add(new RedisServer.Local(binary,
                        List.of("--replicaof", primary.host(), Integer.toString(primary.port()))));
            }
            int quorum = sentinelCount / 2 + 1;
            for (int i = 0; i < sentinelCount; i++) {
                Path conf = Files.createTempDirectory("distlock-sentinel-").resolve("sentinel.conf");
                Files.writeString(conf, String.join("\n",
                        "sentinel resolve-hostnames no",
                        "sentinel monitor " + MASTER_NAME + " " + primary.host() + " " + primary.port() + " " + quorum,
                        "sentinel down-after-milliseconds " + MASTER_NAME + " " + downAfter.toMillis(),
                        "sentinel failover-timeout " + MASTER_NAME + " 10000",
                        "sentinel parallel-syncs " + MASTER_NAME + " " + replicas,
                        sentinelPassword != null ? "requirepass " + sentinelPassword : "", ""), StandardCharsets.UTF_8);
                sentinels.add(new RedisServer.Local(binary, List.of(conf.toString(), "--sentinel"), List.of()));
            }
            awaitSettled(Duration.ofSeconds(60));
        } catch (RuntimeException | IOException e) {
            afterAll(context);
            throw e;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        sentinels.forEach(RedisServer::close);
        dataNodes.forEach(RedisServer::close);
        sentinels.clear();
        dataNodes.clear();
    }

    /** The sentinels' addresses. */
    public Set<HostAndPort> sentinels() {
        Set<HostAndPort> all = new LinkedHashSet<>();
        for (RedisServer s : sentinels) {
            all.add(new HostAndPort(s.host(), s.port()));
        }
        return all;
    }

    /** The primary as the first sentinel that answers names it. */
    public RedisServer primary() {
        for (RedisServer s : sentinels) {
            try (Jedis jedis = connectSentinel(s)) {
                List<String> addr = jedis.sentinelGetMasterAddrByName(MASTER_NAME);
                return node(Integer.parseInt(addr.get(1)));
            } catch (RuntimeException e) {
                // the next one
            }
        }
        throw new IllegalStateException("no sentinel names the primary");
    }

    /** The data nodes other than the current primary that are running. */
    public List<RedisServer> replicas() {
        RedisServer primary = primary();
        List<RedisServer> list = new ArrayList<>();
        for (RedisServer.Local n : dataNodes) {
            if (n != primary && n.alive()) {
                list.add(n);
            }
        }
        return list;
    }

    /** A connection to a sentinel, with its password if it asks for one. */
    private Jedis connectSentinel(RedisServer sentinel) {
        Jedis jedis = RedisCluster.connect(sentinel.host() + ":" + sentinel.port());
        if (sentinelPassword != null) {
            try {
                jedis.auth(sentinelPassword);
            } catch (RuntimeException e) {
                jedis.close();
                throw e;
            }
        }
        return jedis;
    }

    private RedisServer node(int port) {
        for (RedisServer.Local n : dataNodes) {
            if (n.port() == port) {
                return n;
            }
        }
        throw new IllegalStateException("no data node on port " + port);
    }

    /**
     * Waits until every sentinel agrees on the primary and sees the running replicas and the other
     * sentinels, and the primary has every running replica online.
     */
    public void awaitSettled(Duration timeout) {
        try {
            org.awaitility.Awaitility.await().atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(100)).until(this::settled);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IllegalStateException("the Sentinel group did not settle within " + timeout, e);
        }
    }

    private boolean settled() {
        try {
            long running = dataNodes.stream().filter(RedisServer.Local::alive).count();
            String primary = null;
            for (RedisServer s : sentinels) {
                try (Jedis jedis = connectSentinel(s)) {
                    List<String> addr = jedis.sentinelGetMasterAddrByName(MASTER_NAME);
                    String named = addr.get(0) + ":" + addr.get(1);
                    if (primary != null && !primary.equals(named)) {
                        return false;
                    }
                    primary = named;
                    long up = 0;
                    for (Map<String, String> r : jedis.sentinelReplicas(MASTER_NAME)) {
                        if (!r.getOrDefault("flags", "").contains("down") && !r.getOrDefault("flags", "").contains("disconnected")) {
                            up++;
                        }
                    }
                    if (up != running - 1 || jedis.sentinelSentinels(MASTER_NAME).size() != sentinels.size() - 1) {
                        return false;
                    }
                }
            }
            try (Jedis jedis = RedisCluster.connect(primary)) {
                String info = jedis.info("replication");
                if (!info.contains("role:master")) {
                    return false;
                }
                long online = info.lines().filter(l -> l.startsWith("slave") && l.contains("state=online")).count();
                return online == running - 1;
            }
        } catch (RuntimeException e) {
            return false;
        }
    }
}
