package io.distlock.redis;

import io.distlock.spi.ReleaseWatch;

/**
 * How one factory receives the releases announced on the server: one pattern subscription on a
 * standalone or Sentinel-managed server ({@link RedisReleaseSubscriber}), per-channel sharded
 * subscriptions on the node that serves each lock on Redis Cluster ({@link ShardedReleaseSubscriber}).
 */
interface ReleaseSubscriber {

    /**
     * How often a subscription connection is asked whether it is still alive (a message
     * published on a health channel of a pattern subscription's own, a channel subscribed again
     * on a sharded one), while it is subscribed.
     */
    long HEALTH_CHECK_MILLIS = 1_000;

    /**
     * How long a subscription connection may leave that question unanswered before it is taken
     * for dead, closed, and subscribed again on a new connection: a flow a NAT, load balancer or
     * firewall dropped without a reset sends nothing back, not even an error. With the check
     * every {@link #HEALTH_CHECK_MILLIS}, a connection that stops answering is dropped at most
     * {@value #HEALTH_CHECK_MILLIS} + {@value #ANSWER_TIMEOUT_MILLIS} ms (and a check's delay)
     * after its last answer; its waiters re-check the lock then, and on a short timer until the
     * new subscription is confirmed.
     */
    long ANSWER_TIMEOUT_MILLIS = 2_000;

    /** The message of a release meant for every waiter of the channel. */
    String EVERYONE = "0";

    /** Whether {@code message} wakes a waiter watching for {@code token} ({@code null}: any message). */
    static boolean wakes(String token, String message) {
        return token == null || token.equals(message) || EVERYONE.equals(message);
    }

    /** Watches one channel: {@code onRelease} runs for every message published on it. */
    default ReleaseWatch watch(String channel, Runnable onRelease) {
        return watch(channel, null, onRelease);
    }

    /**
     * Watches one channel for one waiter: {@code onRelease} runs for a message that names
     * {@code token} (a fair lock's release wakes the head of its queue only) or names nobody
     * ({@code "0"}); with a {@code null} token, for every message.
     */
    ReleaseWatch watch(String channel, String token, Runnable onRelease);

    /**
     * Watches a channel that only one waiter ever uses (a condition waiter's own): where
     * subscriptions are per channel, it ends as soon as the watch closes.
     */
    default ReleaseWatch watchOnce(String channel, Runnable onRelease) {
        return watch(channel, onRelease);
    }

    /** How many of the receivers a publish on {@code channel} counts are this factory's own subscription. */
    int ownReceivers(String channel);

    /** The start of the message of a release that hands the lock over: {@code g:TOKEN:FENCE} (exclusive_release.lua). */
    String GRANT_PREFIX = "g:";

    /** Hears the announced hand-overs to a waiter (the token and its fencing token). */
    interface GrantListener {
        void granted(String token, long fence);
    }

    /**
     * Has {@code listener} hear every announced hand-over, before the watches of its channel run
     * (so that the waiter a hand-over names finds it when its watch wakes it).
     */
    void onGrant(GrantListener listener);

    /** Ends the subscriptions and their threads. */
    void close();
}
