package io.distlock.internal;

import io.distlock.LockOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's one background thread for held leases ("distlock-lease-N"): every short period it
 * visits each lease this JVM holds (renews a watchdog lease that is due, expires a fixed one or one
 * whose term ended, gives back the lease of a holder thread that died), and it runs the periodic
 * tasks of {@code autoRenew} and the pauses of the background releaser.
 *
 * <pre>
 * Acquire and release never touch a scheduler: they only add a lease to, or remove it from, the
 * held set (waking a timer thread per acquisition cost more than a third of a Redis round trip).
 * A renewal is one network call per held lease per interval, made here one after another; it only
 * ever runs for leases still current. The held set is written by the threads that acquire and
 * release; the sweep reads it.
 * </pre>
 */
final class LeaseSweeper {

    private static final Logger log = LoggerFactory.getLogger(LeaseSweeper.class);

    private final String owner;
    private final EngineClock clock;
    private final ScheduledThreadPoolExecutor scheduler;
    /** Leases held on the server: by a thread, or kept for a local hand-over. */
    private final Set<ServerLease> held = ConcurrentHashMap.newKeySet();

    LeaseSweeper(String owner, LockOptions options, EngineClock clock, String threadName) {
        this.owner = owner;
        this.clock = clock;
        this.scheduler = new ScheduledThreadPoolExecutor(1, Threads.daemon(threadName));
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        long tick = periodNanos(options);
        scheduler.scheduleWithFixedDelay(this::sweep, tick, tick, TimeUnit.NANOSECONDS);
    }

    /**
     * How often the sweeper visits held leases: a tenth of the lease, between 20 ms and 1 s. It
     * renews watchdog leases once their renewal interval has passed (so within a tenth of the
     * lease of a third of it) and expires fixed leases within a tenth of the lease of their end.
     */
    static long periodNanos(LockOptions options) {
        long tenth = options.leaseTime().toNanos() / 10;
        return Math.max(TimeUnit.MILLISECONDS.toNanos(20), Math.min(tenth, TimeUnit.SECONDS.toNanos(1)));
    }

    /** One visit of every held lease; network calls for renewals happen here, one after another. */
    private void sweep() {
        long now = clock.nanoTime();
        for (ServerLease slot : held) {
            try {
                slot.renewal().sweep(now);
            } catch (RuntimeException e) {
                log.warn("{}: lease sweep of '{}' failed", owner, slot.name(), e);
            }
        }
    }

    void add(ServerLease slot) {
        held.add(slot);
    }

    /**
     * Visits {@code slot} now, on the sweeper's thread, rather than at the next period: for a
     * lease granted short, whose renewal is due at once (see ServerLease.installLease).
     */
    void visitSoon(ServerLease slot) {
        try {
            scheduler.execute(() -> {
                try {
                    slot.renewal().sweep(clock.nanoTime());
                } catch (RuntimeException e) {
                    log.warn("{}: lease sweep of '{}' failed", owner, slot.name(), e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the factory is closing: its leases are given back
        }
    }

    void remove(ServerLease slot) {
        held.remove(slot);
    }

    /** The leases held now (a snapshot-free view, for close()). */
    Iterable<ServerLease> held() {
        return held;
    }

    int heldCount() {
        return held.size();
    }

    /** The scheduler, for the background releaser's pauses. */
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** Runs {@code task} after {@code delayNanos}, then every {@code periodNanos} if that is positive. */
    ScheduledFuture<?> schedule(Runnable task, long delayNanos, long periodNanos) {
        if (periodNanos > 0) {
            return scheduler.scheduleWithFixedDelay(task, delayNanos, periodNanos, TimeUnit.NANOSECONDS);
        }
        return scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Stops the thread (close()): no renewal runs after this. */
    void stop() {
        scheduler.shutdownNow();
    }

    /** Waits (at most 5 s) for a sweep under way to end. */
    void awaitStopped() {
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
