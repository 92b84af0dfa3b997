package io.distlock.redis;

import io.distlock.LockBackendException;
import io.distlock.spi.AcquireResult;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.LockBackend;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The Redis adapter of the lock SPI.
 *
 * <pre>
 * Keys, for lock name N under prefix P (one hash tag, so one Redis Cluster slot):
 *   P{N}        the lease: a string holding the owner token, with the lease as its TTL
 *   P{N}:fence  the last fencing token issued for N, kept for the fencing retention
 * Channel P{N} announces releases (channels are a namespace of their own).
 * N is the name with braces and backslashes escaped (see hashTag), so the tag is never empty;
 * P may not contain braces, so the tag is always N.
 *
 * Acquire, release and renew are each one EVALSHA (EVAL once per server if the script is
 * missing), so one round trip each.
 * </pre>
 */
final class RedisBackend implements LockBackend {

    final UnifiedJedis client;
    private final boolean ownsClient;
    private final String prefix;
    final String retentionMillis;
    private final String description;
    final RedisReleaseSubscriber subscriber;

    RedisBackend(UnifiedJedis client, boolean ownsClient, String prefix, long retentionMillis,
                 String description) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.prefix = prefix;
        this.retentionMillis = Long.toString(retentionMillis);
        this.description = description;
        this.subscriber = new RedisReleaseSubscriber(client, prefix);
    }

    String lockKey(String name) {
        return prefix + "{" + hashTag(name) + "}";
    }

    /**
     * The name as it stands between the braces: unchanged unless it holds a brace or a
     * backslash, which are escaped (injectively) so that the hash tag is always the whole name
     * and never empty.
     */
    static String hashTag(String name) {
        if (name.indexOf('{') < 0 && name.indexOf('}') < 0 && name.indexOf('\\') < 0) {
            return name;
        }
        StringBuilder b = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '{' -> b.append("\\(");
                case '}' -> b.append("\\)");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    String fenceKey(String name) {
        return lockKey(name) + ":fence";
    }

    @Override
    public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait) {
        long reply = (Long) run(RedisScript.ACQUIRE, List.of(lockKey(name), fenceKey(name)),
                List.of(token, Long.toString(leaseMillis), retentionMillis));
        if (reply > 0) {
            return AcquireResult.acquired(reply);
        }
        return AcquireResult.busy(reply == 0 ? 0 : reply == -1 ? -1 : -reply - 2);
    }

    @Override
    public ReleaseResult release(String name, String token) {
        return releaseResult((Long) run(RedisScript.RELEASE, List.of(lockKey(name)), List.of(token, lockKey(name))));
    }

    /** Reads a release script's answer: 0 not owned, else 1 + the subscribers told. */
    ReleaseResult releaseResult(long reply) {
        if (reply == 0) {
            return ReleaseResult.NOT_OWNED;
        }
        // receivers of the announcement, less this factory's own subscription
        long others = reply - 1 - (subscriber.isActive() ? 1 : 0);
        return others > 0 ? ReleaseResult.RELEASED_WITH_LISTENERS : ReleaseResult.RELEASED;
    }

    @Override
    public long renew(String name, String token, long leaseMillis) {
        Object reply = run(RedisScript.RENEW, List.of(lockKey(name)),
                List.of(token, Long.toString(leaseMillis)));
        return Long.valueOf(1L).equals(reply) ? leaseMillis : -1;
    }

    @Override
    public LeaseSnapshot inspect(String name) {
        List<?> reply = (List<?>) run(RedisScript.INSPECT, List.of(lockKey(name), fenceKey(name)), List.of());
        long ttl = (Long) reply.get(0);
        return ttl == -2 ? LeaseSnapshot.free() : LeaseSnapshot.held(ttl, (Long) reply.get(1));
    }

    @Override
    public boolean isLocked(String name) {
        try {
            return client.exists(lockKey(name));
        } catch (JedisException e) {
            throw failure(e);
        }
    }

    @Override
    public ReleaseWatch watch(String name, String token, Runnable onRelease) {
        return subscriber.watch(lockKey(name), onRelease);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        subscriber.close();
        if (ownsClient) {
            client.close();
        }
    }

    Object run(RedisScript script, List<String> keys, List<String> args) {
        try {
            try {
                return client.evalsha(script.sha1, keys, args);
            } catch (JedisNoScriptException e) {
                return client.eval(script.source, keys, args);
            }
        } catch (JedisException e) {
            throw failure(e);
        }
    }

    LockBackendException failure(JedisException e) {
        return new LockBackendException(description + ": " + e.getMessage(), e);
    }
}
