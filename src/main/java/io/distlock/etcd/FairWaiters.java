package io.distlock.etcd;

import io.distlock.spi.ReleaseWatch;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.WatchOption;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each waiting acquisition of a fair etcd transaction lock watches: the lock key while its
 * queue key heads the queue, else the queued key just ahead of its own.
 *
 * <pre>
 * A waiter that watched the lock key and the whole queue woke at every release and at every take
 * (the taker's queue key goes): with eight JVMs queued, seven transactions per hand-over for one
 * that could succeed. Watching only the key ahead wakes one waiter when that key goes (it took
 * the lock, gave up, or its session died), and only the head waits for the release. The queue is
 * ordered by create revision and keys only leave it, so while a waiter's own key stays, the key
 * ahead of it changes only when that key goes, and a waiter whose key ahead went re-reads the
 * queue and watches the next one ahead, or the lock key if it now heads the queue. A waiter whose
 * own key went with its session (the JVM stopped past the session's TTL) hears of it from the
 * engine's re-check (every second) and queues again at the tail; watching its own key too would
 * tell it at once, for a second watch per waiter: not done.
 *
 * A waiter learns its own key's create revision from its first (queueing) transaction; every
 * later attempt reads the newest key created before it. Until it knows, it watches the whole
 * queue.
 *
 * Moving a watch to another key makes a new KeyWatch, which runs the callback once the server
 * confirms it: the engine then tries again, and that attempt sees whatever happened to the new
 * key before the watch did. A waiter that finds itself at the head with the lock free takes it
 * and moves nothing.
 *
 * The watches are made, moved and closed by the acquiring thread (each attempt, its watch, its
 * end); a token is forgotten by whichever thread releases or withdraws it (concurrent maps); the
 * KeyWatch callbacks run on jetcd's threads and touch nothing here.
 * </pre>
 */
final class FairWaiters {

    /** What a waiter watches: one key, or (while the key ahead is unknown) the whole queue. */
    static final class Target {
        final ByteSequence key;
        final boolean range;

        private Target(ByteSequence key, boolean range) {
            this.key = key;
            this.range = range;
        }

        static Target key(ByteSequence key) {
            return new Target(key, false);
        }

        static Target range(ByteSequence prefix) {
            return new Target(prefix, true);
        }

        boolean sameAs(Target other) {
            return other != null && range == other.range && key.equals(other.key);
        }
    }

    private final Client client;
    /** The create revision of each waiting token's queue key, once known. */
    private final ConcurrentHashMap<String, Long> queuedAt = new ConcurrentHashMap<>();
    /** What each waiting token's last attempt said to watch. */
    private final ConcurrentHashMap<String, Target> targets = new ConcurrentHashMap<>();
    /** The watch of each waiting token, while the engine holds it. */
    private final ConcurrentHashMap<String, Watch> watches = new ConcurrentHashMap<>();

    FairWaiters(Client client) {
        this.client = client;
    }

    /** The create revision of {@code token}'s queue key, or null if not known. */
    Long queuedAt(String token) {
        return queuedAt.get(token);
    }

    /** Notes the create revision of {@code token}'s queue key. */
    void queued(String token, long createRevision) {
        queuedAt.put(token, createRevision);
    }

    /** What {@code token}'s last attempt found it should watch; moves its watch there if it has one. */
    void watchNext(String token, Target target) {
        targets.put(token, target);
        Watch w = watches.get(token);
        if (w != null) {
            w.moveTo(target);
        }
    }

    /** Forgets {@code token} (it took the lock, gave up or was released). */
    void forget(String token) {
        queuedAt.remove(token);
        targets.remove(token);
    }

    /**
     * The watch of waiting acquisition {@code token}, on what its last attempt said, or
     * {@code fallback} if none did.
     */
    ReleaseWatch watch(String token, Target fallback, Runnable onRelease) {
        Target t = targets.getOrDefault(token, fallback);
        Watch w = new Watch(token, onRelease);
        watches.put(token, w);
        w.moveTo(t);
        return w;
    }

    /** A waiter's watch, moved from key to key as the queue ahead of it shortens. */
    private final class Watch implements ReleaseWatch {
        private final String token;
        private final Runnable onRelease;
        private volatile Target target;
        private volatile EtcdTxnBackend.KeyWatch current;
        private volatile boolean closed;

        Watch(String token, Runnable onRelease) {
            this.token = token;
            this.onRelease = onRelease;
        }

        void moveTo(Target next) {
            EtcdTxnBackend.KeyWatch now = current;
            if (closed || next.sameAs(target) && now != null && !now.hasEnded()) {
                // the same target, watched: a watch that failed is made again (jetcd resumes it,
                // but the engine would re-check on its short timer for the rest of the wait)
                return;
            }
            WatchOption.Builder option = WatchOption.builder().withNoPut(true);
            if (next.range) {
                option.isPrefix(true);
            }
            EtcdTxnBackend.KeyWatch before = current;
            current = new EtcdTxnBackend.KeyWatch(client, next.key, option, onRelease);
            target = next;
            if (before != null) {
                before.close();
            }
        }

        @Override
        public boolean isActive() {
            EtcdTxnBackend.KeyWatch w = current;
            return w != null && w.isActive();
        }

        @Override
        public boolean awaitsConfirmation() {
            EtcdTxnBackend.KeyWatch w = current;
            return w != null && w.awaitsConfirmation();
        }

        @Override
        public void close() {
            closed = true;
            watches.remove(token, this);
            EtcdTxnBackend.KeyWatch w = current;
            if (w != null) {
                w.close();
            }
        }
    }
}
