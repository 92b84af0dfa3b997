package io.distlock.redis;

import io.distlock.spi.ReleaseWatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisShardedPubSub;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Release announcements on Redis Cluster: sharded pub/sub (SSUBSCRIBE, Redis 7), each channel
 * subscribed on the node that serves its slot, so a release travels to that shard's subscribers
 * only instead of being broadcast over the cluster bus to every node.
 *
 * <pre>
 * Sharded pub/sub has no patterns, so a channel is subscribed while it has watchers (and for
 * LINGER after the last leaves, so a lock contended again soon does not pay a new round trip),
 * on one connection per node, each read by a thread of its own.
 *
 * Every decision (subscribe, unsubscribe, re-route) runs on one control thread, in order; the
 * node threads only read: messages are dispatched at once, confirmations and failures are handed
 * to the control thread. A watch is active only while its channel's subscription is confirmed;
 * until then, the engine re-checks the lock on a short timer, so an announcement lost to a
 * reconnect or a slot move costs latency, never a missed release: when a subscription is
 * confirmed, the channel's watchers are woken once to re-check.
 *
 * A subscription moves with its slot: when a slot migrates or its master fails over, the node
 * ends the subscription (the server's own SUNSUBSCRIBE) or its connection breaks; the channel
 * is then subscribed again, after a back-off, on the node the client's slot map names once it
 * has been read again (a redirection the subscriber receives never reaches the client's own
 * routing, so the subscriber asks for the refresh). A host that vanishes without a reset leaves
 * a connection that looks alive (as does a flow a NAT, load balancer or firewall dropped): every
 * HEALTH_CHECK_MILLIS (1 s) one channel of each node is subscribed again, which the node
 * confirms, and a node that left that unanswered for ANSWER_TIMEOUT_MILLIS (2 s) is dropped
 * (its socket closed) and its channels subscribed again, so a dead node connection is dropped
 * at most about 3 s after its last answer, as a pattern subscription is.
 * A channel of one waiter only (a condition's) is unsubscribed as soon as its watch closes.
 * Subscription connections are borrowed from the cluster client's pools and destroyed after use,
 * never returned, since a connection that was subscribed may still receive pushes.
 * </pre>
 */
final class ShardedReleaseSubscriber implements ReleaseSubscriber {

    private static final Logger log = LoggerFactory.getLogger(ShardedReleaseSubscriber.class);
    private static final long LINGER_MILLIS = 10_000;
    private static final long ANSWER_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(ANSWER_TIMEOUT_MILLIS);
    private static final long MIN_BACKOFF_MILLIS = 50;
    private static final long MAX_BACKOFF_MILLIS = 2_000;

    /** A connection to the master serving a slot (the cluster client's routing). */
    private final IntFunction<Connection> connectionForSlot;
    /** Asks the cluster client to read the slot map again. */
    private final Runnable refreshTopology;
    private final ReleaseWatchers watchers = new ReleaseWatchers();
    /** Channel states; written by the control thread only. */
    private final ConcurrentHashMap<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    /** Node connections by address; written by the control thread only. */
    private final Map<HostAndPort, Node> nodes = new ConcurrentHashMap<>();
    /** Consecutive failures to subscribe, per channel; control thread only. */
    private final Map<String, Integer> failures = new HashMap<>();
    private final ScheduledThreadPoolExecutor control;
    private volatile boolean closed;

    ShardedReleaseSubscriber(IntFunction<Connection> connectionForSlot, Runnable refreshTopology) {
        this.connectionForSlot = connectionForSlot;
        this.refreshTopology = refreshTopology;
        this.control = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "distlock-redis-sharded-pubsub");
            t.setDaemon(true);
            return t;
        });
        control.setRemoveOnCancelPolicy(true);
        control.scheduleWithFixedDelay(this::heartbeat, HEALTH_CHECK_MILLIS, HEALTH_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public ReleaseWatch watch(String channel, String token, Runnable onRelease) {
        return watch(channel, token, onRelease, LINGER_MILLIS);
    }

    /** A channel of one waiter only (a condition's): unsubscribed as soon as its watch closes. */
    @Override
    public ReleaseWatch watchOnce(String channel, Runnable onRelease) {
        return watch(channel, null, onRelease, 0);
    }

    private ReleaseWatch watch(String channel, String token, Runnable onRelease, long lingerMillis) {
        Watch w = new Watch(channel, token, onRelease, lingerMillis);
        watchers.add(w);
        Subscription s = subscriptions.get(channel);
        if (s == null || s.leaving) {
            submit(() -> subscribe(channel));
        }
        return w;
    }

    @Override
    public void onGrant(GrantListener listener) {
        watchers.onGrant(listener);
    }

    @Override
    public int ownReceivers(String channel) {
        Subscription s = subscriptions.get(channel);
        return s != null && s.active ? 1 : 0;
    }

    private void submit(Runnable task) {
        schedule(task, 0);
    }

    private void schedule(Runnable task, long delayMillis) {
        if (closed) {
            return;
        }
        try {
            control.schedule(() -> {
                try {
                    if (!closed) {
                        task.run();
                    }
                } catch (RuntimeException e) {
                    log.warn("release subscription bookkeeping failed; waiters fall back to re-checking on a timer", e);
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    // ---- control thread ------------------------------------------------------------------------

    /** Makes sure {@code channel} is subscribed (or being subscribed) while it has watchers. */
    private void subscribe(String channel) {
        if (!watchers.watched(channel)) {
            failures.remove(channel);
            return;
        }
        Subscription s = subscriptions.get(channel);
        if (s != null) {
            s.leaving = false;   // a pending unsubscribe, if any, is kept from ending it (see unsubscribed)
            return;
        }
        int slot = JedisClusterCRC16.getSlot(channel);
        Connection probe;
        try {
            probe = connectionForSlot.apply(slot);
        } catch (RuntimeException e) {
            log.debug("no connection for the slot of {}; retrying", channel, e);
            retry(channel, true);
            return;
        }
        if (closed) {
            probe.close();
            return;
        }
        HostAndPort address = probe.getHostAndPort();
        Node node = nodes.get(address);
        if (node != null) {
            probe.close();   // unused: back to the pool
        } else {
            node = new Node(address, probe);
            nodes.put(address, node);
        }
        Subscription created = new Subscription(node);
        subscriptions.put(channel, created);
        node.subscribe(channel);
    }

    /**
     * Subscribes {@code channel} again after a back-off that grows with its own failures; with
     * {@code stale}, the client's slot map is read again first, since it may name a node that no
     * longer serves the slot (a subscriber's redirection never reaches the client's own routing).
     */
    private void retry(String channel, boolean stale) {
        int failed = failures.merge(channel, 1, Integer::sum) - 1;
        long delay = Math.min(MAX_BACKOFF_MILLIS, MIN_BACKOFF_MILLIS << Math.min(failed, 6));
        schedule(() -> {
            if (stale) {
                try {
                    refreshTopology.run();
                } catch (RuntimeException e) {
                    log.debug("could not refresh the cluster's slot map", e);
                }
            }
            subscribe(channel);
        }, delay);
    }

    private void confirmed(Node node, String channel) {
        Subscription s = subscriptions.get(channel);
        if (s == null || s.node != node) {
            return;
        }
        node.heartbeat = null;
        failures.remove(channel);
        if (!s.active) {
            s.active = true;
            wake(channel);   // a release may have come before the subscription did
        }
    }

    /**
     * Control thread, every {@link #HEALTH_CHECK_MILLIS}: confirms each node's subscriptions are
     * still served, by subscribing one of its channels again (the node answers with a
     * confirmation). A node that left it unanswered for {@link #ANSWER_TIMEOUT_MILLIS} is dropped,
     * so a connection left half-open by a host that vanished, or whose flow a middlebox dropped
     * (no reset ever arrives), is not taken for a live one for longer than that and one period.
     */
    private void heartbeat() {
        if (closed) {
            return;
        }
        for (Node node : nodes.values()) {
            if (!node.reading) {
                continue;
            }
            if (node.heartbeat != null) {
                if (System.nanoTime() - node.heartbeatSent >= ANSWER_TIMEOUT_NANOS) {
                    log.info("release subscription on {} did not answer for {} ms; reconnecting (waiters "
                            + "re-check on a timer meanwhile)", node.address, ANSWER_TIMEOUT_MILLIS);
                    node.drop();
                }
                continue;
            }
            for (Map.Entry<String, Subscription> e : subscriptions.entrySet()) {
                if (e.getValue().node == node && e.getValue().active && !e.getValue().leaving) {
                    node.heartbeat = e.getKey();
                    node.heartbeatSent = System.nanoTime();
                    node.send(() -> node.ssubscribe(e.getKey()));
                    break;
                }
            }
        }
    }

    /** The node ended one channel's subscription: asked for, or because its slot moved away. */
    private void unsubscribed(Node node, String channel) {
        Subscription s = subscriptions.get(channel);
        if (s == null || s.node != node) {
            return;
        }
        subscriptions.remove(channel, s);
        if (watchers.watched(channel)) {
            // not asked for (or watched again since): the slot may have moved
            wake(channel);
            retry(channel, true);
        }
    }

    private void lingerOver(String channel, long lingerMillis) {
        Subscription s = subscriptions.get(channel);
        if (s == null || !s.leaving || watchers.watched(channel)) {
            return;
        }
        if (s.node.reading) {
            s.node.unsubscribe(channel);
        } else if (s.node.pending.remove(channel)) {
            subscriptions.remove(channel, s);   // never sent
        } else {
            // the node's first channel, not confirmed yet: try again later
            schedule(() -> lingerOver(channel, lingerMillis), Math.max(lingerMillis, MIN_BACKOFF_MILLIS));
        }
    }

    /** A node's connection ended (broken, or its last channel unsubscribed). */
    private void nodeEnded(Node node, RuntimeException cause) {
        nodes.remove(node.address, node);
        List<String> lost = new ArrayList<>();
        subscriptions.forEach((channel, s) -> {
            if (s.node == node) {
                lost.add(channel);
            }
        });
        if (cause != null && !lost.isEmpty()) {
            log.debug("release subscriptions on {} broke; subscribing again", node.address, cause);
        }
        for (String channel : lost) {
            subscriptions.remove(channel);
            if (watchers.watched(channel)) {
                wake(channel);
                retry(channel, cause != null);
            }
        }
    }

    private void wake(String channel) {
        watchers.wake(channel);
    }

    @Override
    public void close() {
        closed = true;
        control.shutdownNow();
        try {
            control.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Node node : List.copyOf(nodes.values())) {
            node.drop();
        }
        nodes.clear();
        subscriptions.clear();
    }

    /** One channel's subscription: on which node, and whether the node confirmed it. */
    private static final class Subscription {
        final Node node;
        volatile boolean active;
        /** No watchers since; unsubscribed when the linger is over, unless watched again. */
        volatile boolean leaving;

        Subscription(Node node) {
            this.node = node;
        }
    }

    /** The subscription connection to one node, read by its own thread. */
    private final class Node extends JedisShardedPubSub {
        final HostAndPort address;
        private final Connection connection;
        /** Channels to subscribe once the connection is being read; control thread only. */
        final List<String> pending = new ArrayList<>();
        private Thread reader;
        volatile boolean reading;
        /** The channel of an unanswered heartbeat; control thread only. */
        String heartbeat;
        /** When that heartbeat was sent ({@link System#nanoTime()}); control thread only. */
        long heartbeatSent;

        Node(HostAndPort address, Connection connection) {
            this.address = address;
            this.connection = connection;
        }

        /** Control thread. */
        void subscribe(String channel) {
            if (closed) {
                return;
            }
            if (reader == null) {
                reader = new Thread(() -> run(channel), "distlock-redis-sharded-pubsub-" + address);
                reader.setDaemon(true);
                reader.start();
            } else if (!reading) {
                pending.add(channel);
            } else {
                send(() -> ssubscribe(channel));
            }
        }

        /** Control thread. */
        void unsubscribe(String channel) {
            if (reading) {
                send(() -> sunsubscribe(channel));
            }
        }

        void send(Runnable write) {
            try {
                write.run();
            } catch (RuntimeException e) {
                log.debug("could not write to the release subscription on {}", address, e);
                drop();
            }
        }

        /** Closes the socket: the reader fails at once, and its channels are subscribed again elsewhere. */
        void drop() {
            connection.setBroken();
            try {
                connection.forceDisconnect();
            } catch (java.io.IOException | RuntimeException e) {
                log.debug("closing the release subscription on {}", address, e);
            }
        }

        private void run(String first) {
            RuntimeException cause = null;
            try {
                proceed(connection, first);
            } catch (RuntimeException e) {
                cause = e;
            } finally {
                reading = false;
                connection.setBroken();   // destroyed, never back in the pool
                try {
                    connection.close();
                } catch (RuntimeException ignored) {
                    // already gone
                }
                RuntimeException c = cause;
                submit(() -> nodeEnded(this, c));
            }
        }

        @Override
        public void onSSubscribe(String channel, int subscribedChannels) {
            if (!reading) {
                // from now on the control thread writes further channels on the connection at
                // once; those it queued before are flushed by the task submitted here
                reading = true;
                submit(this::flushPending);
            }
            submit(() -> confirmed(this, channel));
        }

        /** Control thread: the channels queued before the connection was being read. */
        private void flushPending() {
            // one command per channel: the channels of one SSUBSCRIBE must share a slot
            List<String> channels = List.copyOf(pending);
            pending.clear();
            for (String c : channels) {
                send(() -> ssubscribe(c));
            }
        }

        @Override
        public void onSUnsubscribe(String channel, int subscribedChannels) {
            submit(() -> unsubscribed(this, channel));
        }

        @Override
        public void onSMessage(String channel, String message) {
            watchers.deliver(channel, message);
        }
    }

    private final class Watch extends ReleaseWatchers.Watcher {
        final long lingerMillis;

        Watch(String channel, String token, Runnable onRelease, long lingerMillis) {
            super(channel, token, onRelease);
            this.lingerMillis = lingerMillis;
        }

        @Override
        public boolean isActive() {
            Subscription s = subscriptions.get(channel);
            return s != null && s.active;
        }

        @Override
        public void close() {
            boolean last = watchers.remove(this);
            if (last) {
                submit(() -> {
                    Subscription s = subscriptions.get(channel);
                    if (s != null && !watchers.watched(channel)) {
                        s.leaving = true;
                        schedule(() -> lingerOver(channel, lingerMillis), lingerMillis);
                    }
                });
            }
        }
    }
}
