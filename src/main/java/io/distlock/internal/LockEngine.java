package io.distlock.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.distlock.LeaseListener;
import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.spi.LockBackend;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of a lock factory that is the same for every back end: the local registry of lock
 * states and the engine's parts (renewal, retries, background release), token generation and
 * lease-loss reporting.
 *
 * <pre>
 * Overview
 *
 * Each lock name has one LockSync per engine, kept in a Caffeine cache with weak values, and one
 * lock object: the LockSync is built around the object's own ReentrantLock (see LockObjectBinding), and the
 * two reference each other. The object handed to users references its LockSync strongly, and so
 * does the engine's set of names it holds a lease for, so a held lock (and one a thread waits
 * for) is never evicted and getLock(name) returns the same object while anyone references it,
 * while an idle one disappears once nobody references it. A later getLock(name) then creates a
 * fresh object and LockSync, which is correct because an idle lock carries no state.
 *
 * The engine's parts, one concern each: RetryPolicy (retries of back-end calls), LeaseSweeper
 * (renewal and expiry of held leases on one background thread), BackgroundReleaser (the
 * guaranteed release of server state nobody owns any more), Waker (alarms for untimed waits),
 * LockEvents (observers), TurnsForOtherJvms (the round-trip estimate and the turn other JVMs get).
 * This class owns their lifecycle, the registries, tokens and lease-loss reporting. close()
 * abandons held leases, wakes waiters, gives them a bounded time to withdraw, stops the sweeper,
 * gives pending clean-ups a last round, then closes the back end.
 * </pre>
 */
public final class LockEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LockEngine.class);
    private static final AtomicInteger ENGINE_IDS = new AtomicInteger();
    /** Longest lock name accepted. */
    public static final int MAX_NAME_LENGTH = 4096;

    final LockBackend backend;
    final LockOptions options;
    final long leaseMillis;
    final long leaseNanos;
    private final LeaseListener listener;
    private final String owner;
    private final Cache<String, LockSync> registry = Caffeine.newBuilder().weakValues().build();
    private final Cache<String, ReadWriteSync> rwRegistry = Caffeine.newBuilder().weakValues().build();
    private final io.distlock.spi.ReadWriteLockBackend rwBackend;
    /** The observers of this engine's locks (metrics). */
    final LockEvents events;
    /** The time the lease bookkeeping reads. */
    final EngineClock clock;
    /** The round-trip estimate and the turn other JVMs' waiters get. */
    final TurnsForOtherJvms turns = new TurnsForOtherJvms();
    /** Retries of back-end calls. */
    final RetryPolicy retries;
    /** Renewal and expiry of held leases, on the engine's background thread. */
    final LeaseSweeper sweeper;
    /** The guaranteed release of server state nobody owns any more. */
    final BackgroundReleaser releaser;
    /** Acquisitions whose thread waits for the server (woken on close). */
    private final Set<AcquireLoop> waiting = ConcurrentHashMap.newKeySet();
    private final Set<Thread> conditionWaiters = ConcurrentHashMap.newKeySet();
    private final SecureRandom random = new SecureRandom();
    private volatile boolean closed;
    private volatile Supplier<? extends io.distlock.DistributedReentrantLock> lockMaker = PlainLock::new;
    private volatile Supplier<? extends io.distlock.DistributedReentrantReadWriteLock> readWriteLockMaker =
            PlainReadWriteLock::new;

    /**
     * The operator's view of the back end's locks.
     *
     * @return the admin view
     * @throws UnsupportedOperationException if the back end has none
     */
    public io.distlock.spi.LockAdmin admin() {
        io.distlock.spi.LockAdmin admin = backend.admin();
        if (admin == null) {
            throw new UnsupportedOperationException(backend.describe() + " offers no admin view");
        }
        return new io.distlock.spi.LockAdmin() {
            @Override
            public java.util.List<String> names(String namePrefix, int limit) {
                return admin.names(namePrefix, limit);
            }

            @Override
            public io.distlock.spi.LockState state(String name) {
                return scaled(admin.state(name));
            }

            @Override
            public io.distlock.spi.LockState summary(String name) {
                return scaled(admin.summary(name));
            }

            @Override
            public io.distlock.spi.LockState forceRelease(String name, String expectedHolder) {
                return scaled(admin.forceRelease(name, expectedHolder));
            }

            @Override
            public java.util.Map<String, java.util.List<String>> forceReleaseReadWrite(String name,
                    java.util.Collection<String> expectedHolders) {
                return admin.forceReleaseReadWrite(name, expectedHolders);
            }
        };
    }

    /** {@code s} with the fencing token as the lock objects give it (the lease's first holder's). */
    private static io.distlock.spi.LockState scaled(io.distlock.spi.LockState s) {
        return s == null ? null : new io.distlock.spi.LockState(s.name(), s.holder(),
                s.fencingToken() << Lease.HANDOFF_BITS, s.remainingLeaseMillis(), s.since(), s.sinceRevision(),
                s.waiters());
    }

    /**
     * Creates an engine over a back end.
     *
     * @param backend the back end; closed by {@link #close()}
     * @param options the lock options
     * @param listener told of lost leases; may be {@code null}
     * @param owner the name of the factory, used in messages
     */
    public LockEngine(LockBackend backend, LockOptions options, LeaseListener listener, String owner) {
        this(backend, null, options, listener, owner);
    }

    /**
     * Creates an engine over a back end that also offers read/write locks.
     *
     * @param backend the back end of exclusive locks; closed by {@link #close()}
     * @param rwBackend the back end of read/write locks, or {@code null} if there is none
     * @param options the lock options
     * @param listener told of lost leases; may be {@code null}
     * @param owner the name of the factory, used in messages
     */
    public LockEngine(LockBackend backend, io.distlock.spi.ReadWriteLockBackend rwBackend, LockOptions options,
                      LeaseListener listener, String owner) {
        this(backend, rwBackend, options, listener, owner, EngineClock.SYSTEM);
    }

    /** As the public constructors, on {@code clock} (engine tests set the time with it). */
    LockEngine(LockBackend backend, io.distlock.spi.ReadWriteLockBackend rwBackend, LockOptions options,
               LeaseListener listener, String owner, EngineClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.rwBackend = rwBackend;
        this.options = Objects.requireNonNull(options, "options");
        this.listener = listener;
        this.owner = Objects.requireNonNull(owner, "owner");
        this.events = new LockEvents(owner);
        this.leaseMillis = options.leaseTime().toMillis();
        this.leaseNanos = options.leaseTime().toNanos();
        int id = ENGINE_IDS.incrementAndGet();
        this.retries = new RetryPolicy(options, backend, events, owner);
        this.sweeper = new LeaseSweeper(owner, options, clock, "distlock-lease-" + id);
        this.releaser = new BackgroundReleaser(owner, leaseNanos, sweeper.scheduler(), this::isClosed,
                "distlock-cleanup-" + id);
        backend.useRoundTripEstimate(turns::roundTripNanos);
    }

    /**
     * Returns the lock state for {@code name}, creating it if needed.
     *
     * @param name the lock name
     * @return the state shared by every lock object of that name made by this engine
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is empty or longer than
     *         {@link #MAX_NAME_LENGTH}
     * @throws IllegalStateException if the engine is closed
     */
    public LockSync sync(String name) {
        checkName(name);
        checkOpen();
        return registry.get(name, n -> {
            Object[] made = new Object[1];
            LockObjectBinding.make(options.fair(), local -> made[0] = new LockSync(this, n, (LocalMutex) local), lockMaker);
            return (LockSync) made[0];
        });
    }

    /**
     * Sets the constructors of the lock objects this engine makes (a back end's public lock
     * classes); before this is called, and for engines made without a factory, the engine makes
     * plain lock objects of an internal class. Call before the first lock is made.
     *
     * @param exclusive the constructor of exclusive locks
     * @param readWrite the constructor of read/write locks
     */
    public void makeLocksWith(Supplier<? extends io.distlock.DistributedReentrantLock> exclusive,
                              Supplier<? extends io.distlock.DistributedReentrantReadWriteLock> readWrite) {
        this.lockMaker = Objects.requireNonNull(exclusive, "exclusive");
        this.readWriteLockMaker = Objects.requireNonNull(readWrite, "readWrite");
    }

    /**
     * Returns the read/write lock state for {@code name}, creating it if needed.
     *
     * @param name the lock name
     * @return the state shared by every read/write lock object of that name made by this engine
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is empty or too long
     * @throws IllegalStateException if the engine is closed
     * @throws UnsupportedOperationException if the back end has no read/write locks
     */
    public ReadWriteSync readWriteSync(String name) {
        checkName(name);
        checkOpen();
        if (rwBackend == null) {
            throw new UnsupportedOperationException(owner + " has no read/write locks");
        }
        return rwRegistry.get(name, n -> {
            Object[] made = new Object[1];
            LockObjectBinding.make(options.fair(), local -> made[0] = new ReadWriteSync(this, rwBackend, n, (LocalReadWrite) local),
                    readWriteLockMaker);
            return (ReadWriteSync) made[0];
        });
    }

    /**
     * Validates a lock name.
     *
     * @param name the name
     * @return the name
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if it is empty, too long or not valid Unicode (an unpaired
     *         surrogate)
     */
    public static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("name must not be empty");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("name must be at most " + MAX_NAME_LENGTH
                    + " characters, was " + name.length());
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                // servers store names as UTF-8, which has no encoding for a lone surrogate: two
                // names would map to one key
                throw new IllegalArgumentException("name must be valid Unicode: unpaired surrogate U+"
                        + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT) + " at index " + i);
            }
        }
        return name;
    }

    /** Returns the options of this engine. */
    public LockOptions options() {
        return options;
    }

    /** Number of lock states currently in the local registry (for monitoring and tests). */
    public long registrySize() {
        registry.cleanUp();
        rwRegistry.cleanUp();
        return registry.estimatedSize() + rwRegistry.estimatedSize();
    }

    /**
     * An estimate of the threads waiting in an acquisition of this engine's locks: those queued
     * behind another thread of this JVM (the local queues of the names in the registry) and those
     * waiting for the server (another JVM holds the name, or a retry pause). Computed on each
     * call, in time proportional to the registry's size; the locks pay nothing for it.
     */
    public int waitingThreadCount() {
        int n = waiting.size();
        for (LockSync sync : registry.asMap().values()) {
            n += sync.localQueueLength();
        }
        for (ReadWriteSync sync : rwRegistry.asMap().values()) {
            n += sync.localQueueLength();
        }
        return n;
    }

    /** Number of leases this engine holds on the server: held by a thread or kept for a local hand-over. */
    public int heldLeaseCount() {
        return sweeper.heldCount();
    }

    /** The names of the leases this engine holds on the server now (a new set; no network call). */
    public java.util.Set<String> heldLeaseNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (ServerLease slot : sweeper.held()) {
            names.add(slot.name());
        }
        return names;
    }

    /**
     * One request to the server, without retries: reads whether lock {@code name} is held (the
     * factory's ping, for health checks). The failure is told to the observers, as every other.
     *
     * @param name the lock whose state is read
     * @throws LockBackendException if the server did not answer within the client's own bound, or
     *         refused the request
     * @throws IllegalStateException if the engine is closed
     */
    public void ping(String name) {
        checkOpen();
        try {
            backend.isLocked(name);
        } catch (LockBackendException e) {
            events.backendError(name, e);
            throw retries.giveUp("ping", name, 1, e);
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException(owner + " is closed");
        }
    }

    String newToken() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Registers an observer of this engine's locks.
     *
     * @param observer the observer
     * @throws NullPointerException if {@code observer} is {@code null}
     */
    public void addObserver(io.distlock.LockObserver observer) {
        events.add(observer);
    }

    /**
     * Removes an observer registered with {@link #addObserver}.
     *
     * @param observer the observer
     * @return whether it was registered
     */
    public boolean removeObserver(io.distlock.LockObserver observer) {
        return events.remove(observer);
    }

    void registerWaiting(AcquireLoop slot) {
        waiting.add(slot);
    }

    /** A thread awaiting a condition, woken by close(). */
    void registerConditionWaiter(Thread t) {
        conditionWaiters.add(t);
    }

    void unregisterConditionWaiter(Thread t) {
        conditionWaiters.remove(t);
    }

    void unregisterWaiting(AcquireLoop slot) {
        waiting.remove(slot);
    }

    /** A lease's holder thread died without unlocking: an error; the lease is given back. */
    void reportDeadHolder(String name, Thread thread, long fencingToken) {
        log.error("{}: thread '{}' terminated while holding lock '{}' (fencing token {}) without unlocking it; "
                + "the lease is given back on the server so that other JVMs get the lock (threads of this JVM stay "
                + "blocked, as with a ReentrantLock)", owner, thread.getName(), name, fencingToken);
        events.leaseLost(name);
        notifyListener(name, fencingToken);
    }

    void reportLost(String name, long fencingToken) {
        log.warn("{}: lease of lock '{}' (fencing token {}) was lost while held", owner, name, fencingToken);
        events.leaseLost(name);
        notifyListener(name, fencingToken);
    }

    private void notifyListener(String name, long fencingToken) {
        if (listener != null) {
            try {
                listener.leaseLost(name, fencingToken);
            } catch (RuntimeException e) {
                log.warn("{}: lease listener failed for lock '{}'", owner, name, e);
            }
        }
    }

    /** Clean-ups not yet confirmed by the server (for monitoring and tests). */
    public long pendingCleanups() {
        return releaser.pending();
    }

    /** Clean-ups given up after their time ran out (for monitoring and tests). */
    public long abandonedCleanups() {
        return releaser.abandoned();
    }

    /**
     * Closes the engine: every lease still held is reported lost and released, threads waiting
     * for a lease give up with {@link IllegalStateException}, the renewal thread stops and the
     * back end is closed. Holders learn of it from {@code unlock()}, which throws
     * {@link io.distlock.LeaseLostException}. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ServerLease slot : sweeper.held()) {
            slot.abandon();
        }
        // waiters re-check at once and find the engine closed
        waiting.forEach(AcquireLoop::signalRelease);
        conditionWaiters.forEach(java.util.concurrent.locks.LockSupport::unpark);
        // condition waiters withdraw their records, and lock waiters hand their queued requests
        // to the background releaser, before the client goes (bounded)
        long withdrawUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while ((!conditionWaiters.isEmpty() || !waiting.isEmpty()) && System.nanoTime() - withdrawUntil < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        sweeper.stop();
        // every clean-up still pending gets one last attempt, all within a bounded time
        releaser.lastRound();
        sweeper.awaitStopped();
        backend.close();
    }
}
