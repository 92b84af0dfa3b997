package io.distlock.redis;

import io.distlock.spi.ConditionBackend;
import io.distlock.spi.ReleaseWatch;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * Conditions of Redis locks that have an owner key: the exclusive locks, and the write side of
 * the read/write locks. For a base key {@code K} ({@code prefix{name}}, or {@code prefix{name}:rw}) and
 * condition {@code c}: the queue is the sorted set {@code K:c:c} (waiter ids by arrival time on
 * the server's clock), each waiter's liveness the key {@code K:w:id} (a TTL its waiting thread
 * refreshes), its wake-up the channel {@code K:s:id}, received through the factory's one pattern
 * subscription. All share the lock's hash slot. Every step is one Lua script: await (check the
 * lease, queue, release, announce), signal (check the lease, pop live waiters, tell them),
 * withdraw, keep-alive, count.
 */
final class RedisConditions implements ConditionBackend {

    private final RedisBackend redis;
    /** The key whose value is the holder's token (deleted on release). */
    private final UnaryOperator<String> ownerKey;
    /** The channel a release is announced on. */
    private final UnaryOperator<String> releaseChannel;
    /** The start of the condition keys of a lock (it carries the lock's hash tag). */
    private final UnaryOperator<String> base;
    /** Local book-keeping after an await released the lock. */
    private final BiConsumer<String, String> released;

    /** The conditions of the exclusive locks: owner key, channel and base are the lock key. */
    RedisConditions(RedisBackend redis) {
        this(redis, redis::lockKey, redis::lockKey, redis::lockKey, (name, token) -> { });
    }

    RedisConditions(RedisBackend redis, UnaryOperator<String> ownerKey, UnaryOperator<String> releaseChannel,
                    UnaryOperator<String> base, BiConsumer<String, String> released) {
        this.redis = redis;
        this.ownerKey = ownerKey;
        this.releaseChannel = releaseChannel;
        this.base = base;
        this.released = released;
    }

    private String queue(String name, String condition) {
        return base.apply(name) + ":c:" + condition;
    }

    private String alivePrefix(String name) {
        return base.apply(name) + ":w:";
    }

    private String channelPrefix(String name) {
        return base.apply(name) + ":s:";
    }

    @Override
    public boolean enqueueAndRelease(String name, String token, String condition, String waiter, long aliveMillis) {
        Object reply = redis.run(RedisScript.CONDITION_AWAIT,
                List.of(ownerKey.apply(name), queue(name, condition), alivePrefix(name) + waiter),
                List.of(token, waiter, Long.toString(aliveMillis), releaseChannel.apply(name)));
        boolean queued = Long.valueOf(1L).equals(reply);
        if (queued) {
            released.accept(name, token);
        }
        return queued;
    }

    @Override
    public List<String> signal(String name, String token, String condition, int count) {
        Object reply = redis.run(RedisScript.CONDITION_SIGNAL, List.of(ownerKey.apply(name), queue(name, condition)),
                List.of(token, Integer.toString(count), alivePrefix(name), channelPrefix(name)));
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
        Object reply = redis.run(RedisScript.CONDITION_WITHDRAW,
                List.of(queue(name, condition), alivePrefix(name) + waiter), List.of(waiter));
        return Long.valueOf(1L).equals(reply);
    }

    @Override
    public boolean keepWaiting(String name, String condition, String waiter, long aliveMillis) {
        Object reply = redis.run(RedisScript.CONDITION_KEEP, List.of(queue(name, condition), alivePrefix(name) + waiter),
                List.of(waiter, Long.toString(aliveMillis)));
        return Long.valueOf(1L).equals(reply);
    }

    @Override
    public int waiters(String name, String condition) {
        return (int) (long) (Long) redis.run(RedisScript.CONDITION_COUNT, List.of(queue(name, condition)),
                List.of(alivePrefix(name)));
    }

    @Override
    public ReleaseWatch watchSignal(String name, String condition, String waiter, Runnable onSignal) {
        return redis.subscriber.watchOnce(channelPrefix(name) + waiter, onSignal);
    }
}
