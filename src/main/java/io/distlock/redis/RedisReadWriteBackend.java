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
 *
 * Fair factories (LockOptions.fair) queue instead: a waiting acquisition of either side puts
 * kind + token in the sorted set P{N}:rw:q, by arrival (server time), with an alive key
 * P{N}:rw:qa:T that expires with its JVM (FAIR_ALIVE_MILLIS, refreshed by every attempt), and
 * goes in when nothing queued before it blocks it (a writer: any live entry; a reader: a live
 * writer's) and the lock is free for it (see fair_rw_acquire.lua). Waiters watch for
 * their own token or for a release meant for everyone. A write holder's read (a downgrade),
 * tryLock() and tryLock(0, unit) do not queue. No intent is marked: a non-fair factory's readers
 * on the same name do not see fair writers waiting.
 *
 * A reader's tryLock() reads past waiting writers (their intent, their places in the queue), as
 * ReentrantReadWriteLock.tryLock() does; its tryLock(0, unit) gives way to them.
 * </pre>
 */
final class RedisReadWriteBackend implements ReadWriteLockBackend {

    /** How long a waiting writer's intent keeps new readers out without being refreshed. */
    static final long INTENT_MS = 3_000;

    private final RedisBackend redis;
    /** The token of this factory's current writer of each name (for downgrades). */
    private final ConcurrentHashMap<String, String> writerTokens = new ConcurrentHashMap<>();
    private final LockBackend writeSide;
    private final LockBackend readSide;
    private final LockBackend queuedReadSide;

    /**
     * The sides are chosen once, as the factory's fairness says: a fair factory's writers and
     * queued readers take their place in the server's queue (QueuedWriteSide, QueuedReadSide).
     */
    RedisReadWriteBackend(RedisBackend redis) {
        this.redis = redis;
        this.writeSide = redis.fair() ? new QueuedWriteSide() : new WriteSide();
        this.readSide = new ReadSide(true);
        this.queuedReadSide = redis.fair() ? new QueuedReadSide() : new ReadSide(false);
    }

    @Override
    public LockBackend writeSide() {
        return writeSide;
    }

    @Override
    public LockBackend readSide() {
        return readSide;
    }

    /** Readers that never count as this factory's writer's downgrade; in a fair factory they queue. */
    @Override
    public LockBackend queuedReadSide() {
        return queuedReadSide;
    }

    /** The keys of the non-fair acquire scripts: writer, readers, intent, fence, given-up tokens. */
    private static List<String> acquireKeys(LockKeys k) {
        return List.of(k.rwWriter(), k.rwReaders(), k.rwIntent(), k.fence(), k.givenUp());
    }

    /** The keys of the fair acquire scripts: writer, readers, queue, fence, given-up tokens. */
    private static List<String> fairAcquireKeys(LockKeys k) {
        return List.of(k.rwWriter(), k.rwReaders(), k.rwQueue(), k.fence(), k.givenUp());
    }

    /** A fair waiting acquisition of either side ({@code kind} 'w' or 'r'). */
    private AcquireResult fairAcquire(String name, String token, long leaseMillis, String kind, long timeoutNanos) {
        LockKeys k = redis.keys(name);
        return acquireResult(redis.bounded(timeoutNanos, () -> redis.run(RedisScript.FAIR_RW_ACQUIRE,
                fairAcquireKeys(k), List.of(token, Long.toString(leaseMillis), redis.retentionMillis,
                        RedisBackend.fairAliveMillis(), k.rwAlivePrefix(), kind, k.rw()))), leaseMillis);
    }

    /** A fair acquisition in turn (tryLock(0, unit)) of either side. */
    private AcquireResult fairTry(String name, String token, long leaseMillis, String kind, long timeoutNanos) {
        LockKeys k = redis.keys(name);
        return acquireResult(redis.bounded(timeoutNanos, () -> redis.run(RedisScript.FAIR_RW_ACQUIRE_IN_TURN,
                fairAcquireKeys(k), List.of(token, Long.toString(leaseMillis), redis.retentionMillis,
                        k.rwAlivePrefix(), kind))), leaseMillis);
    }

    /** A fair release ({@code release} true) or withdrawal of either side. */
    private ReleaseResult fairRelease(String name, String token, String kind, boolean release) {
        LockKeys k = redis.keys(name);
        return redis.releaseResult((Long) redis.run(RedisScript.FAIR_RW_RELEASE,
                List.of(k.rwWriter(), k.rwReaders(), k.rwQueue(), k.givenUp()),
                List.of(token, k.rw(), k.rwAlivePrefix(), kind, release ? "1" : "0")), k.rw());
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
            return redis.subscriber.watch(redis.keys(name).rw(), onRelease);
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

    private class WriteSide extends Side {
        private volatile RedisConditions conditions;

        /** The write lock's conditions (made on first use: the sides are made before the client is set). */
        @Override
        public io.distlock.spi.ConditionBackend conditions() {
            RedisConditions c = conditions;
            if (c == null) {
                c = new RedisConditions(redis, LockKeys::rwWriter, LockKeys::rw, LockKeys::writeConditions,
                        (name, token) -> writerTokens.remove(name, token));
                conditions = c;
            }
            return c;
        }

        @Override
        public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                        long timeoutNanos) {
            AcquireResult r = acquireResult(redis.bounded(timeoutNanos, () -> redis.run(RedisScript.RW_WRITE_ACQUIRE,
                    acquireKeys(redis.keys(name)), List.of(token, Long.toString(leaseMillis), redis.retentionMillis,
                            Long.toString(INTENT_MS), willWait ? "1" : "0"))), leaseMillis);
            if (r.isAcquired()) {
                writerTokens.put(name, token);
            }
            return r;
        }

        @Override
        public AcquireResult tryAcquireWithoutOvertaking(String name, String token, long leaseMillis, long timeoutNanos) {
            return tryAcquire(name, token, leaseMillis, false, timeoutNanos);
        }

        @Override
        public void cancel(String name, String token) {
            // a waiting writer's intent; it would also run out by itself within INTENT_MS
            LockKeys k = redis.keys(name);
            redis.run(RedisScript.RW_CANCEL_WRITE_INTENT, List.of(k.rwIntent()), List.of(token, k.rw()));
        }

        @Override
        public ReleaseResult release(String name, String token) {
            writerTokens.remove(name, token);
            cancel(name, token);
            LockKeys k = redis.keys(name);
            return redis.releaseResult((Long) redis.run(RedisScript.RW_WRITE_RELEASE,
                    List.of(k.rwWriter(), k.givenUp()), List.of(token, k.rw())), k.rw());
        }

        @Override
        public long renew(String name, String token, long leaseMillis) {
            Object reply = redis.run(RedisScript.RENEW, List.of(redis.keys(name).rwWriter()),
                    List.of(token, Long.toString(leaseMillis)));
            return Long.valueOf(1L).equals(reply) ? leaseMillis : -1;
        }

        @Override
        public LeaseSnapshot inspect(String name) {
            LockKeys k = redis.keys(name);
            List<?> reply = (List<?>) redis.run(RedisScript.INSPECT, List.of(k.rwWriter(), k.fence()), List.of());
            long ttl = (Long) reply.get(0);
            return ttl == -2 ? LeaseSnapshot.free() : LeaseSnapshot.held(ttl, (Long) reply.get(1));
        }
    }

    /**
     * The read side; {@code downgrades}: a reader may go in beside this factory's own writer (the
     * write holder's read). The side without downgrades queues its waiting readers in a fair
     * factory.
     */
    private class ReadSide extends Side {
        private final boolean downgrades;

        ReadSide(boolean downgrades) {
            this.downgrades = downgrades;
        }

        @Override
        public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                        long timeoutNanos) {
            // a tryLock() reads past waiting writers, as ReentrantReadWriteLock.tryLock() does
            return acquire(name, token, leaseMillis, willWait, timeoutNanos);
        }

        /** One attempt of RW_READ_ACQUIRE; {@code givesWay}: refused while a writer's intent is marked. */
        final AcquireResult acquire(String name, String token, long leaseMillis, boolean givesWay, long timeoutNanos) {
            String mine = downgrades ? writerTokens.getOrDefault(name, "") : "";
            return acquireResult(redis.bounded(timeoutNanos, () -> redis.run(RedisScript.RW_READ_ACQUIRE,
                    acquireKeys(redis.keys(name)),
                    List.of(token, Long.toString(leaseMillis), redis.retentionMillis, mine, givesWay ? "1" : "0"))),
                    leaseMillis);
        }

        /** tryLock(0, unit): gives way to waiting writers (fair: to everyone queued before it). */
        @Override
        public AcquireResult tryAcquireWithoutOvertaking(String name, String token, long leaseMillis, long timeoutNanos) {
            return acquire(name, token, leaseMillis, true, timeoutNanos);
        }

        @Override
        public void cancel(String name, String token) {
            // a non-queued reader leaves nothing on the server
        }

        @Override
        public ReleaseResult release(String name, String token) {
            LockKeys k = redis.keys(name);
            return redis.releaseResult((Long) redis.run(RedisScript.RW_READ_RELEASE,
                    List.of(k.rwWriter(), k.rwReaders(), k.givenUp()), List.of(token, k.rw())), k.rw());
        }

        @Override
        public long renew(String name, String token, long leaseMillis) {
            LockKeys k = redis.keys(name);
            Object reply = redis.run(RedisScript.RW_READ_RENEW, List.of(k.rwWriter(), k.rwReaders()),
                    List.of(token, Long.toString(leaseMillis)));
            return Long.valueOf(1L).equals(reply) ? leaseMillis : -1;
        }

        @Override
        public LeaseSnapshot inspect(String name) {
            LockKeys k = redis.keys(name);
            List<?> reply = (List<?>) redis.run(RedisScript.RW_READ_INSPECT, List.of(k.rwWriter(), k.rwReaders()),
                    List.of());
            long readers = (Long) reply.get(0);
            return readers == 0 ? LeaseSnapshot.free() : LeaseSnapshot.held((Long) reply.get(1), 0);
        }
    }

    /**
     * A fair factory's write side: a waiting writer takes its place in the server's queue, and
     * wakes for a release meant for everyone or for a message naming it (fair_rw_acquire.lua).
     */
    private final class QueuedWriteSide extends WriteSide {
        @Override
        public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                        long timeoutNanos) {
            if (!willWait) {
                return super.tryAcquire(name, token, leaseMillis, false, timeoutNanos);
            }
            return held(name, token, fairAcquire(name, token, leaseMillis, "w", timeoutNanos));
        }

        @Override
        public AcquireResult tryAcquireWithoutOvertaking(String name, String token, long leaseMillis, long timeoutNanos) {
            return held(name, token, fairTry(name, token, leaseMillis, "w", timeoutNanos));
        }

        /** Records {@code token} as this factory's writer if {@code r} granted the lock. */
        private AcquireResult held(String name, String token, AcquireResult r) {
            if (r.isAcquired()) {
                writerTokens.put(name, token);
            }
            return r;
        }

        @Override
        public void cancel(String name, String token) {
            // out of the queue (and a lock granted to it meanwhile given back)
            fairRelease(name, token, "w", false);
        }

        @Override
        public ReleaseResult release(String name, String token) {
            writerTokens.remove(name, token);
            return fairRelease(name, token, "w", true);
        }

        @Override
        public ReleaseWatch watch(String name, String token, Runnable onRelease) {
            return redis.subscriber.watch(redis.keys(name).rw(), token, onRelease);
        }
    }

    /** A fair factory's queued readers: a waiting reader takes its place in the server's queue. */
    private final class QueuedReadSide extends ReadSide {
        QueuedReadSide() {
            super(false);
        }

        @Override
        public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                        long timeoutNanos) {
            return willWait ? fairAcquire(name, token, leaseMillis, "r", timeoutNanos)
                    : super.tryAcquire(name, token, leaseMillis, false, timeoutNanos);
        }

        @Override
        public AcquireResult tryAcquireWithoutOvertaking(String name, String token, long leaseMillis, long timeoutNanos) {
            return fairTry(name, token, leaseMillis, "r", timeoutNanos);
        }

        @Override
        public void cancel(String name, String token) {
            fairRelease(name, token, "r", false);
        }

        @Override
        public ReleaseResult release(String name, String token) {
            return fairRelease(name, token, "r", true);
        }

        @Override
        public ReleaseWatch watch(String name, String token, Runnable onRelease) {
            return redis.subscriber.watch(redis.keys(name).rw(), token, onRelease);
        }
    }
}
