package io.distlock.redis;

import io.distlock.spi.ReleaseWatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;
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
 * A message is "0" (every waiter of the channel re-checks) or the token of one waiter, the head
 * of a fair lock's queue: only that waiter (and waiters of non-fair factories, which take any
 * message) re-checks, so a release under a long queue wakes one thread, not all of them.
 * </pre>
 */
final class RedisReleaseSubscriber implements ReleaseSubscriber {

    private static final Logger log = LoggerFactory.getLogger(RedisReleaseSubscriber.class);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final UnifiedJedis client;
    private final String pattern;
    private final ReleaseWatchers watchers = new ReleaseWatchers();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean active;
    private volatile boolean closed;
    private volatile Listener current;
    private volatile Thread thread;

    RedisReleaseSubscriber(UnifiedJedis client, String keyPrefix) {
        this.client = client;
        this.pattern = escapeGlob(keyPrefix) + "{*";
    }

    @Override
    public ReleaseWatch watch(String channel, String token, Runnable onRelease) {
        if (started.compareAndSet(false, true) && !closed) {
            Thread t = new Thread(this::run, "distlock-redis-pubsub");
            t.setDaemon(true);
            thread = t;
            t.start();
        }
        Watch w = new Watch(channel, token, onRelease);
        watchers.add(w);
        return w;
    }

    /** The pattern subscription receives every channel under the prefix, once. */
    @Override
    public int ownReceivers(String channel) {
        return active ? 1 : 0;
    }

    private void run() {
        long backoff = MIN_BACKOFF_NANOS;
        while (!closed) {
            Listener listener = new Listener();
            current = listener;
            try {
                client.psubscribe(listener, pattern);
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

    private void wakeAll() {
        watchers.wakeAll();
    }

    @Override
    public void close() {
        closed = true;
        Listener l = current;
        if (l != null && l.isSubscribed()) {
            try {
                l.punsubscribe();
            } catch (RuntimeException e) {
                log.debug("could not unsubscribe from {}", pattern, e);
            }
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

    private final class Listener extends JedisPubSub {
        @Override
        public void onPSubscribe(String pattern, int subscribedChannels) {
            if (closed) {
                punsubscribe();
                return;
            }
            active = true;
            wakeAll();
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
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
