package io.distlock.redis;

import io.distlock.spi.ConditionBackend;
import io.distlock.spi.ReleaseWatch;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Conditions of Redis locks that have an owner key: the exclusive locks, and the write side of
 * the read/write locks. For a base key {@code K} ({@code prefix{name}}, or {@code prefix{name}:rw}) and
 * condition {@code c}: the queue is the sorted set {@code K:c:c} (waiter ids by arrival time on
 * the server's clock), each waiter's liveness the key {@code K:w:id} (a TTL its waiting thread
 * refreshes), its wake-up the channel {@code K:s:id}, received through the factory's one pattern
 * subscription. All share the lock's hash slot. Every step is one Lua script: await (check the
 * lease, queue, release, announce), signal (check the lease, pop live waiters, tell them),
 * withdraw, keep-alive, count. The keys are LockKeys.ConditionKeys.
 */
final class RedisConditions implements ConditionBackend {

    private final RedisBackend redis;
    /** The key whose value is the holder's token (deleted on release). */
    private final Function<LockKeys, String> ownerKey;
    /** The channel a release is announced on. */
    private final Function<LockKeys, String> releaseChannel;
    /** The condition keys of the lock. */
    private final Function<LockKeys, LockKeys.ConditionKeys> conditionKeys;
    /** Local book-keeping after an await released the lock. */
    private final BiConsumer<String, String> released;

    /** The conditions of the exclusive locks: owner key, channel and base are the lock key. */
    RedisConditions(RedisBackend redis) {
        this(redis, LockKeys::lock, LockKeys::lock, LockKeys::conditions, (name, token) -> { });
    }

    RedisConditions(RedisBackend redis, Function<LockKeys, String> ownerKey, Function<LockKeys, String> releaseChannel,
                    Function<LockKeys, LockKeys.ConditionKeys> conditionKeys, BiConsumer<String, String> released) {
        this.redis = redis;
        this.ownerKey = ownerKey;
        this.releaseChannel = releaseChannel;
        this.conditionKeys = conditionKeys;
        this.released = released;
    }

    private LockKeys.ConditionKeys keys(String name) {
        return conditionKeys.apply(redis.keys(name));
    }

    @Override
    public boolean enqueueAndRelease(String name, String token, String condition, String waiter, long aliveMillis) {
        LockKeys lock = redis.keys(name);
        LockKeys.ConditionKeys c = conditionKeys.apply(lock);
        Object reply = redis.run(RedisScript.CONDITION_AWAIT,
                List.of(ownerKey.apply(lock), c.queue(condition), c.alivePrefix() + waiter),
                List.of(token, waiter, Long.toString(aliveMillis), releaseChannel.apply(lock)));
        boolean queued = Long.valueOf(1L).equals(reply);
        if (queued) {
            released.accept(name, token);
        }
        return queued;
    }

    @Override
    public List<String> signal(String name, String token, String condition, int count) {
        LockKeys lock = redis.keys(name);
        LockKeys.ConditionKeys c = conditionKeys.apply(lock);
        Object reply = redis.run(RedisScript.CONDITION_SIGNAL, List.of(ownerKey.apply(lock), c.queue(condition)),
                List.of(token, Integer.toString(count), c.alivePrefix(), c.signalPrefix()));
        if (!(reply instanceof List)) {
            return null;   // -1: the token does not own the lock
        }
        List<String> woken = new java.util.ArrayList<>();
        for (Object id : (List<?>) reply) {
            woken.add(id instanceof byte[] ? new String((byte[]) id, java.nio.charset.StandardCharsets.UTF_8)
                    : String.valueOf(id));
        }
        return woken;
    }

    @Override
    public boolean withdraw(String name, String condition, String waiter) {
        LockKeys.ConditionKeys c = keys(name);
        Object reply = redis.run(RedisScript.CONDITION_WITHDRAW,
                List.of(c.queue(condition), c.alivePrefix() + waiter), List.of(waiter));
        return Long.valueOf(1L).equals(reply);
    }

    @Override
    public boolean keepWaiting(String name, String condition, String waiter, long aliveMillis) {
        LockKeys.ConditionKeys c = keys(name);
        Object reply = redis.run(RedisScript.CONDITION_KEEP_ALIVE,
                List.of(c.queue(condition), c.alivePrefix() + waiter), List.of(waiter, Long.toString(aliveMillis)));
        return Long.valueOf(1L).equals(reply);
    }

    @Override
    public int waiters(String name, String condition) {
        LockKeys.ConditionKeys c = keys(name);
        return (int) (long) (Long) redis.run(RedisScript.CONDITION_COUNT, List.of(c.queue(condition)),
                List.of(c.alivePrefix()));
    }

    @Override
    public ReleaseWatch watchSignal(String name, String condition, String waiter, Runnable onSignal) {
        return redis.subscriber.watchOnce(keys(name).signalPrefix() + waiter, onSignal);
    }
}
