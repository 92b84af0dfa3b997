package io.distlock.redis;

import io.distlock.testing.RedisServer;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** Direct access to a test Redis server, for checks the lock API does not offer. */
public final class RedisTestSupport {

    private RedisTestSupport() {
    }

    static Jedis connect(RedisServer server) {
        return new Jedis(new HostAndPort(server.host(), server.port()),
                DefaultJedisClientConfig.builder().timeoutMillis(5_000).autoNegotiateProtocol(false).build());
    }

    /** Calls per command since the last CONFIG RESETSTAT (commands of scripts included), without INFO's own. */
    static java.util.Map<String, Long> commandCalls(Jedis jedis) {
        java.util.Map<String, Long> calls = new java.util.LinkedHashMap<>();
        for (String line : jedis.info("commandstats").split("\r\n")) {
            if (line.startsWith("cmdstat_")) {
                String cmd = line.substring("cmdstat_".length(), line.indexOf(':'));
                String stats = line.substring(line.indexOf(':') + 1);
                long n = Long.parseLong(stats.substring(stats.indexOf("calls=") + 6, stats.indexOf(',')));
                calls.put(cmd, n);
            }
        }
        calls.remove("info");
        calls.remove("config|resetstat");
        return calls;
    }

    /**
     * Queues {@code member} at the tail of the fair queue {@code queue} (scored by server time in
     * microseconds, as the scripts do) with a live alive key {@code alive}, and returns what takes
     * both away: the place of a waiter of another JVM that is not acting on it.
     */
    static AutoCloseable queueUntilClosed(RedisServer server, String queue, String member, String alive) {
        try (Jedis jedis = connect(server)) {
            List<String> t = jedis.time();
            double score = Long.parseLong(t.get(0)) * 1_000_000.0 + Long.parseLong(t.get(1));
            jedis.zadd(queue, score, member);
            jedis.psetex(alive, 600_000, "1");
        }
        return () -> {
            try (Jedis jedis = connect(server)) {
                jedis.zrem(queue, member);
                jedis.del(alive);
            }
        };
    }

    /** All keys under a prefix. */
    static List<String> keys(RedisServer server, String prefix) {
        List<String> found = new ArrayList<>();
        try (Jedis jedis = connect(server)) {
            String cursor = ScanParams.SCAN_POINTER_START;
            ScanParams params = new ScanParams().match(RedisReleaseSubscriber.escapeGlob(prefix) + "*").count(1000);
            do {
                ScanResult<String> page = jedis.scan(cursor, params);
                found.addAll(page.getResult());
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        return found;
    }

    /**
     * Whether a key is bookkeeping that may outlive a test as long as it has a time to live: the
     * fencing counter, the mark that someone waited for a lock, the record of given-up tokens.
     */
    public static boolean expiring(String key) {
        return key.endsWith(":fence") || key.endsWith("}:w") || key.endsWith("}:g");
    }

    /** What {@link #leftovers(RedisServer, String)} finds, on every master of a cluster. */
    static List<String> leftovers(io.distlock.testing.RedisCluster cluster, String prefix) {
        List<String> left = new ArrayList<>();
        for (String key : cluster.keys(prefix, RedisReleaseSubscriber.escapeGlob(prefix) + "*")) {
            if (!expiring(key)) {
                left.add(key);
                continue;
            }
            try (Jedis jedis = io.distlock.testing.RedisCluster.connect(cluster.masterOf(key))) {
                if (jedis.pttl(key) == -1) {
                    left.add(key);
                }
            }
        }
        return left;
    }

    /**
     * Lease keys under a prefix, plus any fencing counter, waiting mark or reservation without a
     * time to live (which would stay forever): both must be absent after a test. (One that
     * expires between the scan and the look at its time to live is gone, not left.)
     */
    static List<String> leftovers(RedisServer server, String prefix) {
        List<String> left = new ArrayList<>();
        try (Jedis jedis = connect(server)) {
            for (String key : keys(server, prefix)) {
                if (!expiring(key) || jedis.pttl(key) == -1) {
                    left.add(key);
                }
            }
        }
        return left;
    }

    /**
     * The connection pool of the client a factory made for one server ({@code hostAndPort}), for
     * tests of other packages that check the pool settings reached it.
     */
    public static redis.clients.jedis.util.Pool<redis.clients.jedis.Connection> poolOf(RedisLockFactory factory) {
        return ((redis.clients.jedis.RedisClient) backendOf(factory).client).getPool();
    }

    /** How many helper threads a factory runs its timed calls on at most. */
    public static int callThreadsOf(RedisLockFactory factory) {
        return backendOf(factory).callThreads();
    }

    /** How long the factory takes one Jedis call to block at most, or {@code Long.MAX_VALUE} if unknown. */
    public static long maxCallNanosOf(RedisLockFactory factory) {
        return backendOf(factory).maxCallNanos();
    }

    /** The back end of {@code factory} (for tests that read its own state, such as its reservations). */
    static RedisBackend backendOf(RedisLockFactory factory) {
        return (RedisBackend) io.distlock.testing.Backends.of(factory);
    }
}
