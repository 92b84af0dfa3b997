package io.distlock.internal;

import io.distlock.LockBackendException;
import io.distlock.spi.LockBackend;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guaranteed release: removes server state nobody owns any more (an acquisition whose answer
 * was lost, a queued request given up, a lease no local thread took, a lease whose release failed)
 * in the background, retrying until the server confirms.
 *
 * <pre>
 * Callers never wait for it, so a frozen server cannot hold a timed call past its deadline. It
 * runs on one daemon thread per engine, the cleaner, started when needed; a clean-up that fails is
 * retried with backoff (50 ms doubling to 2 s, on the engine's scheduler) for at least twice the
 * lease time and a minute: on etcd a key on the session lease would otherwise outlive the failure
 * for as long as the factory runs. Giving up is logged as an error naming the lock. A clean-up that
 * must wait for a request the back end stopped waiting for (which the server may still apply)
 * starts once that request has ended.
 *
 * Fields: the pending set is written by callers (add) and the cleaner (remove); closed is written
 * once by the engine's close(), which then gives every pending clean-up one last attempt.
 * </pre>
 */
final class BackgroundReleaser {

    private static final Logger log = LoggerFactory.getLogger(BackgroundReleaser.class);
    private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final String owner;
    private final long giveUpAfterNanos;
    private final ScheduledExecutorService scheduler;
    private final BooleanSupplier engineClosed;
    private final ThreadPoolExecutor cleaner;
    /** Clean-ups handed to the cleaner and not yet confirmed or given up. */
    private final Set<Cleanup> pending = ConcurrentHashMap.newKeySet();
    /** Clean-ups given up after their time ran out (each logged as an error). */
    private final AtomicLong abandoned = new AtomicLong();
    /** Set by {@link #lastRound} once the waiters have left: later clean-ups run on the caller's thread. */
    private volatile boolean closed;

    /**
     * @param owner the factory's name, for messages
     * @param leaseNanos the lease time: clean-ups are tried for at least twice that and a minute
     * @param scheduler the engine's scheduler, for the pauses between attempts
     * @param engineClosed whether the engine is closing (a failure then ends the clean-up)
     * @param threadName the cleaner thread's name
     */
    BackgroundReleaser(String owner, long leaseNanos, ScheduledExecutorService scheduler, BooleanSupplier engineClosed,
                       String threadName) {
        this.owner = owner;
        this.giveUpAfterNanos = Math.max(2 * leaseNanos, TimeUnit.MINUTES.toNanos(1));
        this.scheduler = scheduler;
        this.engineClosed = engineClosed;
        this.cleaner = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Threads.daemon(threadName));
    }

    /**
     * Releases a lease nobody will use, now, on the caller's thread, never throwing; if the
     * server cannot be reached the release goes on in the background.
     */
    void releaseNow(LockBackend backend, String name, String token) {
        try {
            backend.release(name, token);
        } catch (RuntimeException e) {
            log.debug("{}: could not release lease of '{}' now; retrying in the background", owner, name, e);
            release(backend, name, token, false, null);
        }
    }

    /**
     * Removes, in the background, what an acquisition with {@code token} may have left on the
     * server: with {@code queued}, a waiting request given up (SPI cancel); otherwise a lease
     * nobody will use or whose acquisition had an unknown outcome (SPI release).
     */
    void release(LockBackend backend, String name, String token, boolean queued) {
        release(backend, name, token, queued, null);
    }

    /**
     * As {@link #release(LockBackend, String, String, boolean)}, after {@code inFlight} (a
     * request the back end stopped waiting for, which the server may still apply) has ended, if
     * it is not {@code null}.
     */
    void release(LockBackend backend, String name, String token, boolean queued, CompletableFuture<?> inFlight) {
        if (closed) {
            // the factory is closing and the cleaner has had its last round: one attempt now, on
            // the caller's thread (what it cannot remove expires with its lease or session)
            if (inFlight == null || inFlight.isDone()) {
                new Cleanup(backend, name, token, queued).run();
            }
            return;
        }
        Cleanup c = new Cleanup(backend, name, token, queued);
        pending.add(c);
        if (inFlight == null || inFlight.isDone()) {
            submit(c);
            return;
        }
        inFlight.whenComplete((r, e) -> submit(c));
        try {
            scheduler.schedule(() -> {
                if (!inFlight.isDone() && pending.remove(c)) {
                    abandoned.incrementAndGet();
                    log.error("{}: a request to acquire lock '{}' on {} got no answer and has not ended after {} s; "
                            + "if the server applies it, the lock stays held until its lease runs out (on etcd: until "
                            + "this factory's session ends)", owner, name, backend.describe(),
                            TimeUnit.NANOSECONDS.toSeconds(giveUpAfterNanos));
                }
            }, giveUpAfterNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            // lastRound() gives it its last attempt
        }
    }

    private void submit(Cleanup c) {
        try {
            cleaner.execute(c);
        } catch (RejectedExecutionException closing) {
            // lastRound() gives every clean-up still pending its last attempt
        }
    }

    /** Clean-ups not yet confirmed by the server. */
    long pending() {
        return pending.size();
    }

    /** Clean-ups given up after their time ran out. */
    long abandoned() {
        return abandoned.get();
    }

    /**
     * Called by the engine's close() once the waiters have left (and the scheduler has stopped):
     * later clean-ups run once on the caller's thread, and every clean-up still pending gets one
     * last attempt, all within a bounded time (5 s).
     */
    void lastRound() {
        closed = true;
        for (Cleanup c : pending) {
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
    }

    /** One clean-up, run on the cleaner thread; it reschedules itself after a failure. */
    private final class Cleanup implements Runnable {
        private final LockBackend backend;
        private final String name;
        private final String token;
        private final boolean queued;
        private final long giveUpAt = System.nanoTime() + giveUpAfterNanos;
        private long pause = FIRST_PAUSE_NANOS;
        private int attempts;

        Cleanup(LockBackend backend, String name, String token, boolean queued) {
            this.backend = backend;
            this.name = name;
            this.token = token;
            this.queued = queued;
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
                pending.remove(this);
                if (attempts > 1) {
                    log.debug("{}: cleaned up after lock '{}' at attempt {}", owner, name, attempts);
                }
            } catch (RuntimeException e) {
                failed(e);
            }
        }

        private void failed(RuntimeException e) {
            if (engineClosed.getAsBoolean()) {
                // the last attempt, made while closing; the back end's close removes what it can
                pending.remove(this);
                log.debug("{}: clean-up after lock '{}' failed while closing", owner, name, e);
                return;
            }
            if (e instanceof LockBackendException && ((LockBackendException) e).isPermanent()) {
                // the server refuses this factory (credentials, permissions): the caller was told
                pending.remove(this);
                log.debug("{}: clean-up after lock '{}' refused by {}", owner, name, backend.describe(), e);
                return;
            }
            if (System.nanoTime() - giveUpAt >= 0) {
                pending.remove(this);
                abandoned.incrementAndGet();
                log.error("{}: could not remove what an abandoned acquisition of lock '{}' left on {} after {} "
                        + "attempt(s); it stays until its lease runs out (on etcd: until this factory's session "
                        + "ends)", owner, name, backend.describe(), attempts, e);
                return;
            }
            log.debug("{}: clean-up after lock '{}' failed (attempt {}); retrying", owner, name, attempts, e);
            long next = pause;
            pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
            try {
                scheduler.schedule(() -> submit(this), next, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                // lastRound() gives it its last attempt
            }
        }
    }
}
