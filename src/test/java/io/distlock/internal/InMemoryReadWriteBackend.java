package io.distlock.internal;

import io.distlock.spi.AcquireResult;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.LockBackend;
import io.distlock.spi.ReadWriteLockBackend;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A store of read/write leases in memory, for checking the engine's read/write locks where a
 * network would be far too slow (ReadWriteLockLinearizabilityTest). It keeps the SPI's contract
 * ({@link ReadWriteLockBackend}): per name at most one writer and any number of readers, never
 * both, but for the downgrade (a reader is let in through {@link #readSide()} while the only
 * writer is this back end's own write holder; {@link #queuedReadSide()} never lets a reader in
 * beside a writer); tokens that no longer own a lease change nothing; leases run out at their
 * time to live (an expired lease owns nothing and blocks nobody); releases are announced to
 * watchers. It never stands in for Redis or etcd in the tests of those back ends.
 *
 * <pre>
 * Every call is one atomic step: the state of every name is guarded by the store's one monitor,
 * and watchers are called after it is left. Several back ends may share one store
 * (otherProcess()), as the factories of several JVMs share a server: a lease knows the back end
 * that took it, which is what a downgrade is checked against, and a release tells the engine that
 * other processes listened (RELEASED_WITH_LISTENERS) only if a watch of another back end was open.
 * Waiting writers get no protection from a stream of new readers (no intent, no queue): a writer
 * waits until no reader is left. Waiters are not queued, so the defaults of cancel() and
 * tryAcquireWithoutOvertaking() apply. The write lock has no conditions (newCondition() throws).
 * Time is read from a nanosecond clock given at construction (System.nanoTime by default).
 * </pre>
 */
final class InMemoryReadWriteBackend implements ReadWriteLockBackend {

    /** A lease: its owner's token, fencing token, expiry on the store's clock and the back end that took it. */
    private record Held(String token, long fence, long expiresAt, InMemoryReadWriteBackend by) {
        boolean liveAt(long now) {
            return expiresAt - now > 0;
        }

        long remainingMillis(long now) {
            return Math.max(TimeUnit.NANOSECONDS.toMillis(expiresAt - now), 0L);
        }
    }

    /** The leases of one name: the writer (or null) and the readers by token. */
    private static final class Name {
        Held writer;
        final Map<String, Held> readers = new LinkedHashMap<>();

        /** Drops the leases that ran out. */
        void dropExpired(long now) {
            if (writer != null && !writer.liveAt(now)) {
                writer = null;
            }
            readers.values().removeIf(h -> !h.liveAt(now));
        }

        /** The longest remaining lease of the readers, or -1 if none. */
        long readersRemainingMillis(long now) {
            long longest = -1;
            for (Held h : readers.values()) {
                longest = Math.max(longest, h.remainingMillis(now));
            }
            return longest;
        }
    }

    /** A watch on a name, and the back end that opened it. */
    private record Watcher(InMemoryReadWriteBackend by, Runnable onRelease) {
    }

    /** What the back ends sharing it share: the names' leases, the watchers and the fencing counter. */
    private static final class Store {
        final LongSupplier clock;
        final Map<String, Name> names = new HashMap<>();
        final Map<String, List<Watcher>> watchers = new HashMap<>();
        long fences;

        Store(LongSupplier clock) {
            this.clock = clock;
        }

        /** The state of {@code name} with its expired leases dropped; the caller holds the monitor. */
        Name name(String name, long now) {
            Name n = names.computeIfAbsent(name, k -> new Name());
            n.dropExpired(now);
            return n;
        }

        /** Forgets {@code name} once nobody holds it (every run of a test uses new names). */
        void tidy(String name, Name n) {
            if (n.writer == null && n.readers.isEmpty()) {
                names.remove(name);
            }
        }
    }

    private final Store store;
    private final LockBackend writeSide = new WriteSide();
    private final LockBackend readSide = new ReadSide(true);
    private final LockBackend queuedReadSide = new ReadSide(false);

    /** A store on the JVM's monotonic clock. */
    InMemoryReadWriteBackend() {
        this(System::nanoTime);
    }

    /** A store whose leases run out on {@code nanoClock}. */
    InMemoryReadWriteBackend(LongSupplier nanoClock) {
        this(new Store(nanoClock));
    }

    private InMemoryReadWriteBackend(Store store) {
        this.store = store;
    }

    /** Another back end over the same store, as another JVM's factory over the same server. */
    InMemoryReadWriteBackend otherProcess() {
        return new InMemoryReadWriteBackend(store);
    }

    /** The writers' side: one writer per name, none while a live reader holds it. */
    @Override
    public LockBackend writeSide() {
        return writeSide;
    }

    /** The readers' side: any number of readers, none beside a writer but this back end's own. */
    @Override
    public LockBackend readSide() {
        return readSide;
    }

    /** The readers' side that never counts as a downgrade: no reader beside any writer. */
    @Override
    public LockBackend queuedReadSide() {
        return queuedReadSide;
    }

    private static long expiry(long now, long leaseMillis) {
        return now + TimeUnit.MILLISECONDS.toNanos(leaseMillis);
    }

    /** Calls the watchers of {@code list}, outside the store's monitor. */
    private static void announce(List<Watcher> list) {
        list.forEach(w -> w.onRelease().run());
    }

    /** The watchers of {@code name} now; the caller holds the store's monitor. */
    private List<Watcher> watchersOf(String name) {
        return new ArrayList<>(store.watchers.getOrDefault(name, List.of()));
    }

    /** What a release tells the engine: whether a watch of another back end was open. */
    private ReleaseResult released(List<Watcher> listening) {
        return listening.stream().anyMatch(w -> w.by() != this)
                ? ReleaseResult.RELEASED_WITH_LISTENERS
                : ReleaseResult.RELEASED;
    }

    /** What both sides share: the watch, the description, nothing to close. */
    private abstract class Side implements LockBackend {

        /** Announces every release of {@code name}, of either side, to {@code onRelease} until closed. */
        @Override
        public ReleaseWatch watch(String name, String token, Runnable onRelease) {
            Watcher w = new Watcher(InMemoryReadWriteBackend.this, onRelease);
            synchronized (store) {
                store.watchers.computeIfAbsent(name, k -> new ArrayList<>()).add(w);
            }
            return new ReleaseWatch() {
                @Override
                public boolean isActive() {
                    return true;
                }

                @Override
                public void close() {
                    synchronized (store) {
                        List<Watcher> list = store.watchers.get(name);
                        if (list != null && list.remove(w) && list.isEmpty()) {
                            store.watchers.remove(name);
                        }
                    }
                }
            };
        }

        /** Whether {@link #inspect} finds the side held. */
        @Override
        public boolean isLocked(String name) {
            return inspect(name).isLocked();
        }

        /** A short description. */
        @Override
        public String describe() {
            return "in memory (read/write)";
        }

        /** Nothing to free. */
        @Override
        public void close() {
        }
    }

    private final class WriteSide extends Side {

        /** Takes the write lease if nobody holds either side (or {@code token} already holds it). */
        @Override
        public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                        long timeoutNanos) {
            synchronized (store) {
                long now = store.clock.getAsLong();
                Name n = store.name(name, now);
                if (n.writer != null) {
                    return n.writer.token().equals(token)
                            ? AcquireResult.acquired(n.writer.fence(), leaseMillis)
                            : AcquireResult.busy(n.writer.remainingMillis(now));
                }
                if (!n.readers.isEmpty()) {
                    return AcquireResult.busy(n.readersRemainingMillis(now));
                }
                n.writer = new Held(token, ++store.fences, expiry(now, leaseMillis), InMemoryReadWriteBackend.this);
                return AcquireResult.acquired(n.writer.fence(), leaseMillis);
            }
        }

        /** Deletes the write lease if {@code token} owns it, and announces it. */
        @Override
        public ReleaseResult release(String name, String token) {
            List<Watcher> listening;
            synchronized (store) {
                Name n = store.name(name, store.clock.getAsLong());
                if (n.writer == null || !n.writer.token().equals(token)) {
                    return ReleaseResult.NOT_OWNED;
                }
                n.writer = null;
                store.tidy(name, n);
                listening = watchersOf(name);
            }
            announce(listening);
            return released(listening);
        }

        /** Extends the write lease if {@code token} owns it. */
        @Override
        public long renew(String name, String token, long leaseMillis) {
            synchronized (store) {
                long now = store.clock.getAsLong();
                Name n = store.name(name, now);
                if (n.writer == null || !n.writer.token().equals(token)) {
                    return -1;
                }
                n.writer = new Held(token, n.writer.fence(), expiry(now, leaseMillis), n.writer.by());
                return leaseMillis;
            }
        }

        /** The writer's remaining lease and fencing token, or free. */
        @Override
        public LeaseSnapshot inspect(String name) {
            synchronized (store) {
                long now = store.clock.getAsLong();
                Held w = store.name(name, now).writer;
                return w == null ? LeaseSnapshot.free() : LeaseSnapshot.held(w.remainingMillis(now), w.fence());
            }
        }
    }

    /** A read side; {@code downgrades}: a reader may go in beside this back end's own writer. */
    private final class ReadSide extends Side {
        private final boolean downgrades;

        ReadSide(boolean downgrades) {
            this.downgrades = downgrades;
        }

        /** Adds a read lease unless a writer holds the name (but for a downgrade). */
        @Override
        public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                        long timeoutNanos) {
            synchronized (store) {
                long now = store.clock.getAsLong();
                Name n = store.name(name, now);
                Held mine = n.readers.get(token);
                if (mine != null) {
                    return AcquireResult.acquired(mine.fence(), leaseMillis);
                }
                if (n.writer != null && !(downgrades && n.writer.by() == InMemoryReadWriteBackend.this)) {
                    return AcquireResult.busy(n.writer.remainingMillis(now));
                }
                Held h = new Held(token, ++store.fences, expiry(now, leaseMillis), InMemoryReadWriteBackend.this);
                n.readers.put(token, h);
                return AcquireResult.acquired(h.fence(), leaseMillis);
            }
        }

        /** Deletes the read lease of {@code token} if it owns one, and announces it. */
        @Override
        public ReleaseResult release(String name, String token) {
            List<Watcher> listening;
            synchronized (store) {
                Name n = store.name(name, store.clock.getAsLong());
                if (n.readers.remove(token) == null) {
                    return ReleaseResult.NOT_OWNED;
                }
                store.tidy(name, n);
                listening = watchersOf(name);
            }
            announce(listening);
            return released(listening);
        }

        /** Extends the read lease of {@code token} if it owns one. */
        @Override
        public long renew(String name, String token, long leaseMillis) {
            synchronized (store) {
                long now = store.clock.getAsLong();
                Name n = store.name(name, now);
                Held h = n.readers.get(token);
                if (h == null) {
                    return -1;
                }
                n.readers.put(token, new Held(token, h.fence(), expiry(now, leaseMillis), h.by()));
                return leaseMillis;
            }
        }

        /** Held while any reader is: the longest remaining read lease, no fencing token. */
        @Override
        public LeaseSnapshot inspect(String name) {
            synchronized (store) {
                long now = store.clock.getAsLong();
                Name n = store.name(name, now);
                return n.readers.isEmpty() ? LeaseSnapshot.free() : LeaseSnapshot.held(n.readersRemainingMillis(now), 0);
            }
        }
    }
}
