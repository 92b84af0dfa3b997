package io.distlock.redis;

import io.distlock.spi.AcquireResult;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.LockBackend;
import io.distlock.spi.ReadWriteLockBackend;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Redis adapter of read/write locks, over the same client and subscription as the exclusive
 * locks of its factory.
 *
 * <pre>
 * Keys, for read/write lock N under prefix P (one hash tag, one cluster slot):
 *   P{N}:rw:w   the writer: its token, with its lease as TTL
 *   P{N}:rw:r   the readers: a sorted set of tokens scored by the end of each one's lease
 *               (server time, ms); expired readers are dropped by every script that looks
 *   P{N}:rw:i   a waiting writer's intent: while it lives, new readers are refused
 *   P{N}:fence  the fencing counter, shared with the exclusive lock of the same name
 *   P{N}:g      tokens given up, shared with the exclusive lock (see RedisBackend)
 * Channel P{N}:rw announces releases and withdrawn intents.
 *
 * Writer preference: a writer that finds the lock busy marks its intent (for INTENT_MS, and it
 * re-checks, refreshing it, at least every INTENT_MS / 2), and new readers from any JVM wait
 * until the writer has come and gone. A writer that gives up clears its intent; one that dies
 * leaves it to run out. Readers already in keep their locks; the writer waits for them.
 * </pre>
 */
final class RedisReadWriteBackend implements ReadWriteLockBackend {

    /** How long a waiting writer's intent keeps new readers out without being refreshed. */
    static final long INTENT_MS = 3_000;

    private final RedisBackend redis;
    /** The token of this factory's current writer of each name (for downgrades). */
    private final ConcurrentHashMap<String, String> writerTokens = new ConcurrentHashMap<>();
    private final LockBackend writeSide = new WriteSide();
    private final LockBackend readSide = new ReadSide();

    RedisReadWriteBackend(RedisBackend redis) {
        this.redis = redis;
    }

    @Override
    public LockBackend writeSide() {
        return writeSide;
    }

    @Override
    public LockBackend readSide() {
        return readSide;
    }

    private String base(String name) {
        return redis.lockKey(name) + ":rw";
    }

    private List<String> keys(String name) {
        String base = base(name);
        return List.of(base + ":w", base + ":r", base + ":i", redis.fenceKey(name), redis.givenUpKey(name));
    }

    private static AcquireResult acquireResult(Object reply, long leaseMillis) {
        List<?> values = (List<?>) reply;
        long flag = (Long) values.get(0);
        long value = (Long) values.get(1);
        return flag == 1 ? AcquireResult.acquired(value, leaseMillis) : AcquireResult.busy(value);
    }

    /** What both sides share: description, watch, nothing to close. */
    private abstract class Side implements LockBackend {
        @Override
        public ReleaseWatch watch(String name, String token, Runnable onRelease) {
            return redis.subscriber.watch(base(name), onRelease);
        }

        @Override
        public boolean isLocked(String name) {
            return inspect(name).isLocked();
        }

        @Override
        public String describe() {
            return redis.describe();
        }

        @Override
        public void close() {
            // the exclusive back end owns the client and the subscription
        }
    }

    private final class WriteSide extends Side {
        private volatile RedisConditions conditions;

        /** The write lock's conditions (made on first use: the sides are made before the client is set). */
        @Override
        public io.distlock.spi.ConditionBackend conditions() {
            RedisConditions c = conditions;
            if (c == null) {
                c = new RedisConditions(redis, name -> keys(name).get(0), RedisReadWriteBackend.this::base,
                        RedisReadWriteBackend.this::base, (name, token) -> writerTokens.remove(name, token));
                conditions = c;
            }
            return c;
        }

        @Override
        public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                        long timeoutNanos) {
            AcquireResult r = acquireResult(redis.bounded(timeoutNanos, () -> redis.run(RedisScript.RW_WRITE_ACQUIRE,
                    keys(name), List.of(token, Long.toString(leaseMillis), redis.retentionMillis,
                            Long.toString(INTENT_MS), willWait ? "1" : "0"))), leaseMillis);
            if (r.isAcquired()) {
                writerTokens.put(name, token);
            }
            return r;
        }

        @Override
        public void cancel(String name, String token) {
            // a waiting writer's intent; it would also run out by itself within INTENT_MS
            redis.run(RedisScript.RW_CANCEL_INTENT, List.of(keys(name).get(2)), List.of(token, base(name)));
        }

        @Override
        public ReleaseResult release(String name, String token) {
            writerTokens.remove(name, token);
            cancel(name, token);
            List<String> k = keys(name);
            return redis.releaseResult((Long) redis.run(RedisScript.RELEASE, List.of(k.get(0), k.get(4)),
                    List.of(token, base(name))), base(name));
        }

        @Override
        public long renew(String name, String token, long leaseMillis) {
            Object reply = redis.run(RedisScript.RENEW, List.of(keys(name).get(0)),
                    List.of(token, Long.toString(leaseMillis)));
            return Long.valueOf(1L).equals(reply) ? leaseMillis : -1;
        }

        @Override
        public LeaseSnapshot inspect(String name) {
            List<String> k = keys(name);
            List<?> reply = (List<?>) redis.run(RedisScript.INSPECT, List.of(k.get(0), k.get(3)), List.of());
            long ttl = (Long) reply.get(0);
            return ttl == -2 ? LeaseSnapshot.free() : LeaseSnapshot.held(ttl, (Long) reply.get(1));
        }
    }

    private final class ReadSide extends Side {
        @Override
        public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                        long timeoutNanos) {
            String mine = writerTokens.getOrDefault(name, "");
            return acquireResult(redis.bounded(timeoutNanos, () -> redis.run(RedisScript.RW_READ_ACQUIRE, keys(name),
                    List.of(token, Long.toString(leaseMillis), redis.retentionMillis, mine))), leaseMillis);
        }

        @Override
        public ReleaseResult release(String name, String token) {
            List<String> k = keys(name);
            return redis.releaseResult((Long) redis.run(RedisScript.RW_READ_RELEASE, List.of(k.get(0), k.get(1), k.get(4)),
                    List.of(token, base(name))), base(name));
        }

        @Override
        public long renew(String name, String token, long leaseMillis) {
            Object reply = redis.run(RedisScript.RW_READ_RENEW, keys(name).subList(0, 2),
                    List.of(token, Long.toString(leaseMillis)));
            return Long.valueOf(1L).equals(reply) ? leaseMillis : -1;
        }

        @Override
        public LeaseSnapshot inspect(String name) {
            List<?> reply = (List<?>) redis.run(RedisScript.RW_READ_INSPECT, keys(name).subList(0, 2), List.of());
            long readers = (Long) reply.get(0);
            return readers == 0 ? LeaseSnapshot.free() : LeaseSnapshot.held((Long) reply.get(1), 0);
        }
    }
}
