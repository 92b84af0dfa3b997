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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of a lock factory that is the same for every back end: the local registry of lock
 * states, the renewal scheduler, token generation, retries and lease-loss reporting.
 *
 * <pre>
 * Overview
 *
 * Each lock name has one LockSync per engine, kept in a Caffeine cache with weak values, and one
 * lock object: the LockSync is built around the object's own ReentrantLock (see Binding), and the
 * two reference each other. The object handed to users references its LockSync strongly, and so
 * does the engine's set of names it holds a lease for, so a held lock (and one a thread waits
 * for) is never evicted and getLock(name) returns the same object while anyone references it,
 * while an idle one disappears once nobody references it. A later getLock(name) then creates a
 * fresh object and LockSync, which is correct because an idle lock carries no state.
 *
 * Renewal and fixed-lease expiry run on one daemon thread per engine, a sweeper that visits the
 * held leases on a short period (acquire and release never touch a scheduler: waking a timer
 * thread per acquisition cost more than a third of a Redis round trip). A renewal is one network
 * call per held lease per interval; it only ever runs for leases still current.
 *
 * Clean-up of server state nobody owns any more (an acquisition whose answer was lost, a queued
 * request given up, a kept lease no local thread took) runs on a second daemon thread, the
 * cleaner, started when needed: callers never wait for it, so a frozen server cannot hold a
 * timed call past its deadline, and a clean-up that fails is retried with backoff until the
 * server confirms it, for at least twice the lease time and a minute. On etcd a key on the
 * session lease would otherwise outlive the failure for as long as the factory runs. Giving up
 * is logged as an error naming the lock.
 * </pre>
 */
public final class LockEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LockEngine.class);
    private static final AtomicInteger ENGINE_IDS = new AtomicInteger();
    /** Longest lock name accepted. */
    public static final int MAX_NAME_LENGTH = 4096;
    static final long COURTESY_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long COURTESY_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    static final int COURTESY_RTT_FACTOR = 3;

    final LockBackend backend;
    final LockOptions options;
    final long leaseMillis;
    final long leaseNanos;
    private final LeaseListener listener;
    private final String owner;
    private final Cache<String, LockSync> registry = Caffeine.newBuilder().weakValues().build();
    private final Cache<String, ReadWriteSync> rwRegistry = Caffeine.newBuilder().weakValues().build();
    private final io.distlock.spi.ReadWriteLockBackend rwBackend;
    private final Set<LeaseSlot> holding = ConcurrentHashMap.newKeySet();
    /** The observers of this engine's locks (metrics). */
    final LockEvents events;
    private final Set<LeaseSlot> waiting = ConcurrentHashMap.newKeySet();
    private final Set<Thread> conditionWaiters = ConcurrentHashMap.newKeySet();
    private final ScheduledThreadPoolExecutor scheduler;
    private final ThreadPoolExecutor cleaner;
    /** Clean-ups handed to the cleaner and not yet confirmed or given up. */
    private final Set<Cleanup> cleanups = ConcurrentHashMap.newKeySet();
    /** Clean-ups given up after their time ran out (each logged as an error). */
    private final AtomicLong abandonedCleanups = new AtomicLong();
    private final SecureRandom random = new SecureRandom();
    private volatile boolean closed;
    private volatile Supplier<? extends io.distlock.DistributedReentrantLock> lockMaker = PlainLock::new;
    private volatile Supplier<? extends io.distlock.DistributedReentrantReadWriteLock> readWriteLockMaker =
            PlainReadWriteLock::new;
    /** Smoothed duration of an acquire round trip, for the courtesy window. */
    private final RoundTripEstimate roundTrips = new RoundTripEstimate(COURTESY_MIN_NANOS / COURTESY_RTT_FACTOR);

    /**
     * The operator's view of the back end's exclusive locks.
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
        this.backend = Objects.requireNonNull(backend, "backend");
        this.rwBackend = rwBackend;
        this.options = Objects.requireNonNull(options, "options");
        this.listener = listener;
        this.owner = Objects.requireNonNull(owner, "owner");
        this.events = new LockEvents(owner);
        this.leaseMillis = options.leaseTime().toMillis();
        this.leaseNanos = options.leaseTime().toNanos();
        int id = ENGINE_IDS.incrementAndGet();
        this.scheduler = new ScheduledThreadPoolExecutor(1, Threads.daemon("distlock-lease-" + id));
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.cleaner = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Threads.daemon("distlock-cleanup-" + id));
        long tick = sweepPeriodNanos(options);
        scheduler.scheduleWithFixedDelay(this::sweep, tick, tick, TimeUnit.NANOSECONDS);
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
            Binding.make(options.fair(), local -> made[0] = new LockSync(this, n, (LocalMutex) local), lockMaker);
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
            Binding.make(options.fair(), local -> made[0] = new ReadWriteSync(this, rwBackend, n, (LocalReadWrite) local),
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
        return holding.size();
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

    /** Feeds one measured acquire round trip into the smoothed estimate. */
    void recordRoundTrip(long nanos) {
        roundTrips.record(nanos);
    }

    /**
     * How long a JVM that just gave a lease back while its own threads were queued, and while
     * other JVMs were listening for the release, waits before competing for it again, so that a
     * waiter elsewhere (one hop to hear the announcement, one round trip to acquire) gets its
     * turn: several round trips.
     */
    long courtesyNanos() {
        return roundTrips.scaled(COURTESY_RTT_FACTOR, COURTESY_MIN_NANOS, COURTESY_MAX_NANOS);
    }

    /**
     * How often the sweeper visits held leases: a tenth of the lease, between 20 ms and 1 s. It
     * renews watchdog leases once their renewal interval has passed (so within a tenth of the
     * lease of a third of it) and expires fixed leases within a tenth of the lease of their end.
     */
    static long sweepPeriodNanos(LockOptions options) {
        long tenth = options.leaseTime().toNanos() / 10;
        return Math.max(TimeUnit.MILLISECONDS.toNanos(20), Math.min(tenth, TimeUnit.SECONDS.toNanos(1)));
    }

    /** One visit of every held lease; network calls for renewals happen here, one after another. */
    private void sweep() {
        long now = System.nanoTime();
        for (LeaseSlot slot : holding) {
            try {
                slot.sweep(now);
            } catch (RuntimeException e) {
                log.warn("{}: lease sweep of '{}' failed", owner, slot.name(), e);
            }
        }
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

    void registerHeld(LeaseSlot slot) {
        holding.add(slot);
    }

    void unregisterHeld(LeaseSlot slot) {
        holding.remove(slot);
    }

    /** Set by close() once the waiters have left: later clean-ups are not started. */
    private volatile boolean cleanupsClosed;

    void registerWaiting(LeaseSlot slot) {
        waiting.add(slot);
    }

    /** A thread awaiting a condition, woken by close(). */
    void registerConditionWaiter(Thread t) {
        conditionWaiters.add(t);
    }

    void unregisterConditionWaiter(Thread t) {
        conditionWaiters.remove(t);
    }

    void unregisterWaiting(LeaseSlot slot) {
        waiting.remove(slot);
    }

    ScheduledFuture<?> schedule(Runnable task, long delayNanos, long periodNanos) {
        if (periodNanos > 0) {
            return scheduler.scheduleWithFixedDelay(task, delayNanos, periodNanos, TimeUnit.NANOSECONDS);
        }
        return scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
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

    /**
     * Runs a back-end call, retrying failures as the options say. The pauses between tries
     * ignore interrupts but keep the interrupt status.
     */
    <T> T retrying(String what, String name, Supplier<T> call) {
        boolean interrupted = false;
        try {
            for (int attempt = 0; ; attempt++) {
                try {
                    return call.get();
                } catch (LockBackendException e) {
                    events.backendError(name, e);
                    if (e.isPermanent() || attempt >= options.retryCount()) {
                        throw giveUp(what, name, attempt + 1, e);
                    }
                    interrupted |= pauseUninterruptibly(retryPauseNanos(attempt));
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The pause before retry number {@code retry}, with the options' backoff and jitter. */
    long retryPauseNanos(int retry) {
        return options.retryPause(retry, java.util.concurrent.ThreadLocalRandom.current().nextDouble()).toNanos();
    }

    LockBackendException giveUp(String what, String name, int attempts, LockBackendException cause) {
        if (cause.isPermanent()) {
            return new LockBackendException(owner + ": could not " + what + " lock '" + name + "' on "
                    + backend.describe() + ": " + cause.getMessage(), cause, true);
        }
        return new LockBackendException(owner + ": could not " + what + " lock '" + name + "' on "
                + backend.describe() + " after " + attempts + " attempt(s); the last failed with: "
                + cause.getMessage(), cause);
    }

    /**
     * Releases a lease nobody will use, now, never throwing; if the server cannot be reached the
     * release is retried in the background.
     */
    void releaseQuietly(LockBackend backend, String name, String token) {
        try {
            backend.release(name, token);
        } catch (RuntimeException e) {
            log.debug("{}: could not release lease of '{}' now; retrying in the background", owner, name, e);
            discardInBackground(backend, name, token, false);
        }
    }

    /**
     * Removes, in the background, what an acquisition with {@code token} may have left on the
     * server: with {@code queued}, a waiting request given up (SPI cancel); otherwise a lease
     * nobody will use or whose acquisition had an unknown outcome (SPI release). Retried with
     * backoff until the server answers, for at least twice the lease time and one minute.
     */
    void discardInBackground(LockBackend backend, String name, String token, boolean queued) {
        discardInBackground(backend, name, token, queued, null);
    }

    /**
     * As {@link #discardInBackground(LockBackend, String, String, boolean)}, after
     * {@code inFlight} (a request the back end stopped waiting for, which the server may still
     * apply) has ended, if it is not {@code null}.
     */
    void discardInBackground(LockBackend backend, String name, String token, boolean queued,
                             java.util.concurrent.CompletableFuture<?> inFlight) {
        if (cleanupsClosed) {
            // the factory is closing and its cleaner has had its last round: one attempt now,
            // on the caller's thread (what it cannot remove expires with its lease or session)
            if (inFlight == null || inFlight.isDone()) {
                new Cleanup(backend, name, token, queued).run();
            }
            return;
        }
        Cleanup c = new Cleanup(backend, name, token, queued);
        cleanups.add(c);
        if (inFlight == null || inFlight.isDone()) {
            submitCleanup(c);
            return;
        }
        inFlight.whenComplete((r, e) -> submitCleanup(c));
        try {
            scheduler.schedule(() -> {
                if (!inFlight.isDone() && cleanups.remove(c)) {
                    abandonedCleanups.incrementAndGet();
                    log.error("{}: a request to acquire lock '{}' on {} got no answer and has not ended after {} s; "
                            + "if the server applies it, the lock stays held until its lease runs out (on etcd: until "
                            + "this factory's session ends)", owner, name, backend.describe(),
                            TimeUnit.NANOSECONDS.toSeconds(c.giveUpAt - c.created));
                }
            }, c.giveUpAt - c.created, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            // close() gives it its last attempt
        }
    }

    private void submitCleanup(Cleanup c) {
        try {
            cleaner.execute(c);
        } catch (RejectedExecutionException closing) {
            // close() gives every clean-up still pending its last attempt
        }
    }

    /** Clean-ups not yet confirmed by the server (for monitoring and tests). */
    public long pendingCleanups() {
        return cleanups.size();
    }

    /** Clean-ups given up after their time ran out (for monitoring and tests). */
    public long abandonedCleanups() {
        return abandonedCleanups.get();
    }

    /** One clean-up, run on the cleaner thread; it reschedules itself after a failure. */
    private final class Cleanup implements Runnable {
        private static final long FIRST_PAUSE_NANOS = 50_000_000L;
        private static final long MAX_PAUSE_NANOS = 2_000_000_000L;
        private final LockBackend backend;
        private final String name;
        private final String token;
        private final boolean queued;
        final long created = System.nanoTime();
        final long giveUpAt;
        private long pause = FIRST_PAUSE_NANOS;
        private int attempts;

        Cleanup(LockBackend backend, String name, String token, boolean queued) {
            this.backend = backend;
            this.name = name;
            this.token = token;
            this.queued = queued;
            this.giveUpAt = created + Math.max(2 * leaseNanos, TimeUnit.MINUTES.toNanos(1));
        }

        @Override
        public void run() {
            attempts++;
            try {
                if (queued) {
                    backend.cancel(name, token);
                } else {
                    backend.release(name, token);
                }
                cleanups.remove(this);
                if (attempts > 1) {
                    log.debug("{}: cleaned up after lock '{}' at attempt {}", owner, name, attempts);
                }
            } catch (RuntimeException e) {
                boolean permanent = e instanceof LockBackendException && ((LockBackendException) e).isPermanent();
                if (closed) {
                    // the last attempt, made while closing; the back end's close removes what it can
                    cleanups.remove(this);
                    log.debug("{}: clean-up after lock '{}' failed while closing", owner, name, e);
                    return;
                }
                if (permanent) {
                    // the server refuses this factory (credentials, permissions): the caller was told
                    cleanups.remove(this);
                    log.debug("{}: clean-up after lock '{}' refused by {}", owner, name, backend.describe(), e);
                    return;
                }
                if (System.nanoTime() - giveUpAt >= 0) {
                    cleanups.remove(this);
                    abandonedCleanups.incrementAndGet();
                    log.error("{}: could not remove what an abandoned acquisition of lock '{}' left on {} after {} "
                            + "attempt(s); it stays until its lease runs out (on etcd: until this factory's session "
                            + "ends)", owner, name, backend.describe(), attempts, e);
                    return;
                }
                log.debug("{}: clean-up after lock '{}' failed (attempt {}); retrying", owner, name, attempts, e);
                long next = pause;
                pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
                try {
                    scheduler.schedule(() -> submitCleanup(this), next, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException closing) {
                    // close() gives it its last attempt
                }
            }
        }
    }

    static boolean pauseUninterruptibly(long nanos) {
        boolean interrupted = false;
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            java.util.concurrent.locks.LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                interrupted = true;
            }
        }
        return interrupted;
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
        for (LeaseSlot slot : holding) {
            slot.abandon();
        }
        // waiters re-check at once and find the engine closed
        waiting.forEach(LeaseSlot::signalRelease);
        conditionWaiters.forEach(java.util.concurrent.locks.LockSupport::unpark);
        // condition waiters withdraw their records, and lock waiters hand their queued requests
        // to the cleaner, before the client goes (bounded)
        long withdrawUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while ((!conditionWaiters.isEmpty() || !waiting.isEmpty()) && System.nanoTime() - withdrawUntil < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        cleanupsClosed = true;
        scheduler.shutdownNow();
        // every clean-up still pending gets one last attempt, all within a bounded time
        for (Cleanup c : cleanups) {
            try {
                cleaner.execute(c);
            } catch (RejectedExecutionException e) {
                break;
            }
        }
        cleaner.shutdown();
        try {
            cleaner.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cleaner.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        backend.close();
    }
}
