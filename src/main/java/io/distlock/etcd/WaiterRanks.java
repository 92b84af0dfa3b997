package io.distlock.etcd;

import io.distlock.spi.ReleaseWatch;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.WatchOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which waiting acquisition of a non-fair etcd transaction lock tries first after a release: the
 * one with the oldest waiting mark; the others give it a short grace and try only if nobody took
 * the lock meanwhile.
 *
 * <pre>
 * Every waiter watches the lock key. When each tried at every release, eight JVMs made seven
 * transactions per hand-over, of which one could succeed, on a server the hand-overs already kept
 * busy (54-67 acquisitions a second, where the later watches had folded several releases into one
 * wake: 76-80). As ReentrantLock wakes only the first of its queue, a waiter whose mark is the
 * oldest tries at once; the others wait GRACE and try then unless the watch showed the key taken
 * (a put) in between: one transaction per hand-over while the oldest waiter is alive and
 * listening. A waiter that is frozen, or slow, costs the others the grace once per release, not
 * the session's time to live: every waiter still watches the lock key. The lock stays non-fair:
 * an acquisition that arrives when the lock is free takes it.
 *
 * The rank is an estimate, kept per token: how many marks are older than the token's own, read by
 * each of its attempts (the busy branch of its transaction reads the marks' keys) and lowered by one at every
 * take the watch sees (the taker was most likely the oldest waiter). Revisions keep it honest: a
 * read older than a take the watch already counted is ignored, and takes between the last read
 * and the revision the watch started from were not seen: until a read as late as that, the waiter
 * tries at once unless more waiters are ahead of it than revisions went by unseen. A wrong estimate costs one transaction more (two waiters think they come
 * first) or the grace (none does); the next attempt reads it again. Unknown (no attempt read it
 * yet): the waiter tries at once, as all did before.
 *
 * The releasing factory's own next acquisition, refused by its reservation (its mark is the
 * newest), is woken when the reservation has ended and the grace of the waiters it was for has
 * passed too, unless the lock was taken or released before.
 *
 * Written by the acquiring thread (attempts) and by jetcd's watch threads (takes seen); read by
 * the watch threads and the timers (the factory's keep-alive thread); a token is forgotten when it
 * takes the lock, gives up, or its release (or clean-up) starts.
 * </pre>
 */
final class WaiterRanks {

    /** How long a waiter that is not the oldest gives the oldest to take a released lock. */
    static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(30);

    /** A waiting token's mark revision and estimated rank, and its watch. */
    private static final class Rank {
        /** The create revision of the token's waiting mark, 0 while unknown. */
        volatile long markedAt;
        /** How many marks are older than the token's (an estimate), -1 while unknown. */
        private int ahead = -1;
        /** The revision {@code ahead} is as of: a read older than what the watch has seen is stale. */
        private long asOf;
        /** The revision of the latest read of the marks. */
        private long readAt;
        /**
         * The revision the watch started after: takes between {@code readAt} and it were not
         * seen, so the rank is not trusted until a read as late as that.
         */
        private long watchedFrom;
        /** Moved on by every release and every take the token's watch sees. */
        final AtomicLong news = new AtomicLong();
        /** What wakes the token's acquisition, while its watch is open. */
        volatile Runnable wake;

        /** Sets the rank read at {@code revision}, unless the watch has seen a later take. */
        synchronized void read(int count, long revision) {
            if (revision >= asOf) {
                ahead = count;
                asOf = revision;
            }
            readAt = Math.max(readAt, revision);
        }

        /** The token's watch delivers what comes after {@code revision}. */
        synchronized void watching(long revision) {
            watchedFrom = revision;
        }

        /** One older waiter (most likely) took the lock at {@code revision}. */
        synchronized void taken(long revision) {
            if (revision > asOf) {
                if (ahead > 0) {
                    ahead--;
                }
                asOf = revision;
            }
        }

        /**
         * Whether the token should try at once: it has no older waiter, or may have none: each
         * revision between the last read and the watch's start may have been a take the watch
         * did not see (a take is one transaction, so at most that many).
         */
        synchronized boolean first() {
            long unseen = readAt < watchedFrom ? watchedFrom - readAt : 0;
            return ahead - unseen <= 0;
        }
    }

    private final Client client;
    private final EtcdSessions sessions;
    private final ConcurrentHashMap<String, Rank> ranks = new ConcurrentHashMap<>();
    /** Releases after which a waiter tried at once, and after its grace (for tests). */
    private final AtomicLong immediateWakes = new AtomicLong();
    private final AtomicLong gracedWakes = new AtomicLong();

    WaiterRanks(Client client, EtcdSessions sessions) {
        this.client = client;
        this.sessions = sessions;
    }

    /**
     * Notes that {@code token}'s mark was created at {@code createRevision} with {@code ahead}
     * older marks, read at {@code revision}.
     */
    void marked(String token, long createRevision, int ahead, long revision) {
        Rank r = ranks.computeIfAbsent(token, t -> new Rank());
        r.markedAt = createRevision;
        r.read(ahead, revision);
    }

    /** Notes that {@code ahead} marks are older than {@code token}'s, as an attempt read at {@code revision}. */
    void seen(String token, int ahead, long revision) {
        Rank r = ranks.get(token);
        if (r != null) {
            r.read(ahead, revision);
        }
    }

    /** The create revision of {@code token}'s waiting mark, or 0 if not known. */
    long markedAt(String token) {
        Rank r = ranks.get(token);
        return r == null ? 0 : r.markedAt;
    }

    /** Forgets {@code token} (it took the lock, gave up or was released). */
    void forget(String token) {
        ranks.remove(token);
    }

    /**
     * Wakes waiting acquisition {@code token} in {@code nanos}, unless its watch sees a release
     * or a take before: the end of a reservation that refused it, after which a lock nobody took
     * is its to take.
     *
     * @return false if the token has no open watch (the caller must wake itself)
     */
    boolean wakeAfter(String token, long nanos) {
        Rank r = ranks.get(token);
        Runnable wake = r == null ? null : r.wake;
        if (wake == null) {
            return false;
        }
        long seen = r.news.get();
        return sessions.schedule(() -> {
            if (r.news.get() == seen && r.wake == wake) {
                wake.run();
            }
        }, nanos);
    }

    /** Tokens with a rank noted (for tests). */
    int size() {
        return ranks.size();
    }

    /** Releases after which a waiter tried at once (for tests). */
    long immediateWakes() {
        return immediateWakes.get();
    }

    /** Releases after which a waiter tried once its grace was over (for tests). */
    long gracedWakes() {
        return gracedWakes.get();
    }

    /**
     * The watch of waiting acquisition {@code token} on lock key {@code key}: runs
     * {@code onRelease} when the server confirms it or it ends, and after a deletion of the key:
     * at once if the token's mark is the oldest (or its rank unknown), else after GRACE unless a
     * take of the key was seen first. {@code releaseSeen} runs at each deletion, at once.
     */
    ReleaseWatch watch(String token, ByteSequence key, Runnable releaseSeen, Runnable onRelease) {
        // every release and every take seen moves news on: a timer runs onRelease only if
        // nothing happened since it was set
        Rank r = ranks.computeIfAbsent(token, t -> new Rank());
        AtomicLong news = r.news;
        Runnable released = () -> {
            long release = news.incrementAndGet();
            releaseSeen.run();
            if (r.wake != onRelease) {
                return;   // closed: the acquisition ended (its loop may be waiting for another one)
            }
            if (r.first()) {
                immediateWakes.incrementAndGet();
                onRelease.run();
                return;
            }
            if (!sessions.schedule(() -> {
                if (news.get() == release && r.wake == onRelease) {
                    gracedWakes.incrementAndGet();
                    onRelease.run();
                }
            }, GRACE_NANOS)) {
                onRelease.run();   // the factory is closing: the engine finds out on its attempt
            }
        };
        java.util.function.LongConsumer taken = revision -> {
            news.incrementAndGet();
            r.taken(revision);
        };
        java.util.function.LongConsumer confirmedOrEnded = revision -> {
            if (revision > 0) {
                r.watching(revision);
            }
            onRelease.run();
        };
        r.wake = onRelease;
        EtcdTxnBackend.KeyWatch w = new EtcdTxnBackend.KeyWatch(client, key, WatchOption.builder(), confirmedOrEnded,
                released, taken);
        return new ReleaseWatch() {
            @Override
            public boolean isActive() {
                return w.isActive();
            }

            @Override
            public boolean awaitsConfirmation() {
                return w.awaitsConfirmation();
            }

            @Override
            public void close() {
                r.wake = null;
                w.close();
            }
        };
    }
}
