package io.distlock.redis;

import io.distlock.internal.Threads;
import io.distlock.spi.ReleaseWatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * One pattern subscription per factory that receives every release announced under the key
 * prefix and dispatches it to the waiters of that channel (one channel per lock name).
 *
 * <pre>
 * A single PSUBSCRIBE on "prefix{*" (exclusive locks announce on "prefix{name}", read/write
 * locks on "prefix{name}:rw") means no per-wait SUBSCRIBE round trip and nothing to
 * re-subscribe after a reconnect. The price is that every factory with the same prefix receives
 * every release under it; factories that do not share locks should use different prefixes.
 *
 * The subscription runs on its own daemon thread, started by the first watch. When the
 * connection breaks, every watcher is woken (so it re-checks at once) and is told the channel is
 * inactive (so it re-checks on a short timer) until the subscription is confirmed again, after
 * which every watcher is woken once more, since releases may have been missed in between.
 *
 * A connection whose flow a NAT, load balancer or firewall dropped without a reset never breaks
 * by itself: it just stops delivering. So a second daemon thread, started with the first,
 * publishes a message on a health channel of the subscription's own every HEALTH_CHECK_MILLIS
 * (1 s) and takes the subscription for dead when that message, or the PSUBSCRIBE's confirmation,
 * does not arrive within ANSWER_TIMEOUT_MILLIS (2 s): it closes the socket, the subscription
 * thread's read fails, and the subscription is made again on a new connection as after any
 * break. A dead subscription is thus dropped at most about 3 s after its last answer, and a
 * release announced into it is missed for no longer than that. The health channel is
 * P{}:health:ID (under the pattern; no lock's, since a name's tag is never empty), and every
 * factory of the prefix receives every other's once a second, and ignores it. (A PING on the
 * subscription's connection was the check until 2026-12-07: with RESP3, Jedis's pub/sub PING
 * sends the command before it queues the handler of its answer, and an answer read in between
 * ended the subscription with "Unexpected message : PONG", seen about once a second on a busy
 * 2-core machine, each time leaving waiters on a 50 ms re-check.)
 *
 * The subscription takes its connection from the client's pool (RedisClient) or from the pool
 * of the current primary (RedisSentinelClient, so it follows a failover when it reconnects), and
 * destroys it afterwards, never returning a connection that was subscribed. With a client of
 * another type, whose sockets it cannot reach, it subscribes through the client and, on a
 * missed answer, can only unsubscribe and tell the watchers the subscription is inactive: they
 * re-check on the short timer until the connection answers or breaks.
 *
 * A message is "0" (every waiter of the channel re-checks) or the token of one waiter, the head
 * of a fair lock's queue: only that waiter (and waiters of non-fair factories, which take any
 * message) re-checks, so a release under a long queue wakes one thread, not all of them.
 * </pre>
 */
final class RedisReleaseSubscriber implements ReleaseSubscriber {

    private static final Logger log = LoggerFactory.getLogger(RedisReleaseSubscriber.class);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long ANSWER_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(ANSWER_TIMEOUT_MILLIS);

    private final UnifiedJedis client;
    /** A connection of the subscription's own, or {@code null} for a client whose sockets are out of reach. */
    private final Supplier<Connection> connections;
    private final String pattern;
    /** This subscriber's health channel; every channel starting with healthChannels is one. */
    private final String healthChannel;
    private final String healthChannels;
    private final ReleaseWatchers watchers = new ReleaseWatchers();
    /** Subscriptions confirmed, and health messages received (for tests). */
    private final java.util.concurrent.atomic.AtomicLong subscriptionsMade = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong healthAnswers = new java.util.concurrent.atomic.AtomicLong();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean active;
    private volatile boolean closed;
    /** The subscription being made or read; {@code null} between two. */
    private volatile Listener current;
    private volatile Thread thread;
    /** Runs the health checks; started with the subscription thread. */
    private volatile ScheduledThreadPoolExecutor health;

    RedisReleaseSubscriber(UnifiedJedis client, String keyPrefix) {
        this.client = client;
        this.connections = connections(client);
        this.pattern = escapeGlob(LockKeys.startOfNames(keyPrefix, "")) + "*";
        this.healthChannels = LockKeys.startOfNames(keyPrefix, "") + "}:health:";
        this.healthChannel = healthChannels + java.util.UUID.randomUUID();
    }

    /** How many subscriptions were confirmed so far (one unless the subscription was made again). */
    long subscriptionsMade() {
        return subscriptionsMade.get();
    }

    /** How many of this subscriber's health messages came back through the subscription. */
    long healthAnswers() {
        return healthAnswers.get();
    }

    /**
     * Where a subscription gets a connection it can close itself: the client's pool, or the
     * current primary's; {@code null} for other clients.
     */
    static Supplier<Connection> connections(UnifiedJedis client) {
        if (client instanceof RedisClient) {
            return ((RedisClient) client).getPool()::getResource;
        }
        if (client instanceof RedisSentinelClient) {
            RedisSentinelClient sentinel = (RedisSentinelClient) client;
            return () -> sentinel.getPrimaryNodesConnectionMap().values().iterator().next().getResource();
        }
        return null;
    }

    @Override
    public ReleaseWatch watch(String channel, String token, Runnable onRelease) {
        if (started.compareAndSet(false, true) && !closed) {
            Thread t = new Thread(this::run, "distlock-redis-pubsub");
            t.setDaemon(true);
            thread = t;
            ScheduledThreadPoolExecutor checks = new ScheduledThreadPoolExecutor(1,
                    Threads.daemon("distlock-redis-pubsub-health"));
            health = checks;
            checks.scheduleWithFixedDelay(this::checkHealth, HEALTH_CHECK_MILLIS, HEALTH_CHECK_MILLIS,
                    TimeUnit.MILLISECONDS);
            t.start();
            if (closed) {
                checks.shutdownNow();   // close() may have run before health was set
            }
        }
        Watch w = new Watch(channel, token, onRelease);
        watchers.add(w);
        return w;
    }

    @Override
    public void onGrant(GrantListener listener) {
        watchers.onGrant(listener);
    }

    /** The pattern subscription receives every channel under the prefix, once. */
    @Override
    public int ownReceivers(String channel) {
        return active ? 1 : 0;
    }

    private void run() {
        long backoff = MIN_BACKOFF_NANOS;
        while (!closed) {
            try {
                subscribe();
            } catch (RuntimeException e) {
                if (!closed) {
                    log.debug("release subscription to {} broke; reconnecting", pattern, e);
                }
            }
            boolean wasActive = active;
            active = false;
            wakeAll();
            if (closed) {
                break;
            }
            if (wasActive) {
                backoff = MIN_BACKOFF_NANOS;
            }
            LockSupport.parkNanos(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
        }
    }

    /** Subscription thread: one subscription, from connecting until it ends. */
    private void subscribe() {
        if (connections == null) {
            Listener listener = new Listener(null);
            current = listener;
            try {
                client.psubscribe(listener, pattern);
            } finally {
                current = null;
            }
            return;
        }
        Connection connection = connections.get();
        Listener listener = new Listener(connection);
        current = listener;
        try {
            if (!closed) {   // else close() may have missed this listener
                listener.proceedWithPatterns(connection, pattern);
            }
        } finally {
            current = null;
            connection.setBroken();   // destroyed, never back in the pool: it may still receive pushes
            connection.close();
        }
    }

    /**
     * Health thread, every {@link #HEALTH_CHECK_MILLIS}: drops the subscription if its last
     * question went unanswered for {@link #ANSWER_TIMEOUT_MILLIS}, else asks again (PING) once
     * the last was answered.
     */
    private void checkHealth() {
        Listener l = current;
        if (l == null || l.dropped || closed) {
            return;
        }
        if (!l.answered) {
            if (System.nanoTime() - l.askedAt >= ANSWER_TIMEOUT_NANOS) {
                log.info("release subscription to {} did not answer for {} ms; reconnecting (waiters re-check "
                        + "on a timer meanwhile)", pattern, ANSWER_TIMEOUT_MILLIS);
                l.drop();
            }
            return;
        }
        l.ask();
        try {
            // through the client's own connections, answered through the subscription
            client.publish(healthChannel, "1");
        } catch (RuntimeException e) {
            // unanswered, then: the subscription is dropped once the answer timeout passes
            log.debug("could not publish the release subscription's health check on {}", healthChannel, e);
        }
    }

    private void wakeAll() {
        watchers.wakeAll();
    }

    @Override
    public void close() {
        closed = true;
        ScheduledThreadPoolExecutor checks = health;
        if (checks != null) {
            checks.shutdownNow();
        }
        Listener l = current;
        if (l != null) {
            l.drop();
        }
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static String escapeGlob(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    /** One subscription, and whether its connection answers. */
    private final class Listener extends JedisPubSub {
        /** The connection it reads, or {@code null} when the client chose it. */
        private final Connection connection;
        /** When the question not answered yet (the subscription, then each PING) was asked. */
        volatile long askedAt = System.nanoTime();
        /** Whether the last question was answered; set to false before a question is sent. */
        volatile boolean answered;
        /** Given up by the health check or a close: not checked any more. */
        volatile boolean dropped;

        Listener(Connection connection) {
            this.connection = connection;
        }

        /** Health thread: about to ask a question. */
        void ask() {
            answered = false;
            askedAt = System.nanoTime();
        }

        /**
         * Ends the subscription: closes its socket, so that the subscription thread's read fails
         * at once and it subscribes again on a new connection; with a connection the client
         * chose, unsubscribes and tells the watchers the subscription is inactive.
         */
        void drop() {
            dropped = true;
            if (connection != null) {
                connection.setBroken();
                try {
                    connection.forceDisconnect();
                } catch (java.io.IOException | RuntimeException e) {
                    log.debug("closing the release subscription to {}", pattern, e);
                }
                return;
            }
            if (active) {
                active = false;
                wakeAll();
            }
            try {
                punsubscribe();
            } catch (RuntimeException e) {
                log.debug("could not unsubscribe from {}", pattern, e);
            }
        }

        @Override
        public void onPSubscribe(String pattern, int subscribedChannels) {
            answered = true;
            if (closed) {
                punsubscribe();
                return;
            }
            active = true;
            subscriptionsMade.incrementAndGet();
            wakeAll();
        }

        @Override
        public void onPong(String message) {
            answered = true;
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
            if (channel.startsWith(healthChannels)) {
                if (channel.equals(healthChannel)) {
                    healthAnswers.incrementAndGet();
                    answered = true;
                }
                return;   // another factory's health check
            }
            watchers.deliver(channel, message);
        }
    }

    private final class Watch extends ReleaseWatchers.Watcher {
        Watch(String channel, String token, Runnable onRelease) {
            super(channel, token, onRelease);
        }

        @Override
        public boolean isActive() {
            return active;
        }

        @Override
        public void close() {
            watchers.remove(this);
        }
    }
}
