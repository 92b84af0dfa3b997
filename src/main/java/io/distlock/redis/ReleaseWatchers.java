package io.distlock.redis;

import io.distlock.spi.ReleaseWatch;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** The watches of a subscriber, by channel, and the delivery of a message to them. */
final class ReleaseWatchers {

    /** One waiter's watch of one channel; how it knows whether it is active is the subscriber's. */
    abstract static class Watcher implements ReleaseWatch {
        final String channel;
        /** The waiter's token (a message naming another waiter does not wake it), or {@code null}. */
        final String token;
        final Runnable onRelease;

        Watcher(String channel, String token, Runnable onRelease) {
            this.channel = channel;
            this.token = token;
            this.onRelease = onRelease;
        }
    }

    private final ConcurrentHashMap<String, List<Watcher>> byChannel = new ConcurrentHashMap<>();
    private volatile ReleaseSubscriber.GrantListener grants;

    void onGrant(ReleaseSubscriber.GrantListener listener) {
        this.grants = listener;
    }

    void add(Watcher w) {
        byChannel.compute(w.channel, (n, list) -> {
            List<Watcher> l = list == null ? new CopyOnWriteArrayList<>() : list;
            l.add(w);
            return l;
        });
    }

    /** Removes a watch; returns whether it was its channel's last. */
    boolean remove(Watcher w) {
        return byChannel.computeIfPresent(w.channel, (n, list) -> {
            list.remove(w);
            return list.isEmpty() ? null : list;
        }) == null;
    }

    boolean watched(String channel) {
        return byChannel.containsKey(channel);
    }

    /**
     * Runs the watches of {@code channel} that {@code message} is for; a hand-over is heard by
     * the grant listener first.
     */
    void deliver(String channel, String message) {
        ReleaseSubscriber.GrantListener g = grants;
        if (g != null && message.startsWith(ReleaseSubscriber.GRANT_PREFIX)) {
            int colon = message.lastIndexOf(':');
            if (colon > ReleaseSubscriber.GRANT_PREFIX.length()) {
                try {
                    g.granted(message.substring(ReleaseSubscriber.GRANT_PREFIX.length(), colon),
                            Long.parseLong(message.substring(colon + 1)));
                } catch (NumberFormatException e) {
                    // not one of ours: the watches below still wake, and their next attempt asks the server
                }
            }
        }
        List<Watcher> list = byChannel.get(channel);
        if (list != null) {
            for (Watcher w : list) {
                if (ReleaseSubscriber.wakes(w.token, message)) {
                    w.onRelease.run();
                }
            }
        }
    }

    /** Runs every watch of {@code channel}, as if a release had come. */
    void wake(String channel) {
        List<Watcher> list = byChannel.get(channel);
        if (list != null) {
            for (Watcher w : list) {
                w.onRelease.run();
            }
        }
    }

    /** Runs every watch. */
    void wakeAll() {
        for (List<Watcher> list : byChannel.values()) {
            for (Watcher w : list) {
                w.onRelease.run();
            }
        }
    }
}
