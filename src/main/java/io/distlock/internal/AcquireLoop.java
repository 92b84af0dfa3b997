package io.distlock.internal;

import io.distlock.LockBackendException;
import io.distlock.spi.AcquireResult;
import io.distlock.spi.LockBackend;
import io.distlock.spi.ReleaseWatch;
import io.distlock.spi.RequestAbandonedException;
import io.distlock.spi.RequestNotSentException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The acquire loop of one lease slot: obtains a lease on the server, waiting as the mode says.
 *
 * <pre>
 * The acquire loop: try once; if busy, watch for release announcements and try again at once (a
 * release between the first try and the watch would otherwise be missed; a watch the server has
 * yet to confirm is waited for first, up to the short re-check time). When the slot's last
 * acquisition found the lock busy, the watch is started before the first try instead, and a busy
 * answer parks at once (one attempt less per contended acquisition). Then park until an
 * announcement arrives, the holder's lease would have run out, the deadline passes or, while
 * announcements are not flowing, a short re-check time. One token serves all busy attempts of an
 * acquisition (so a back end that queues on the server can find its request again, and its watch
 * stays tied to that request); after an error the outcome is unknown: the token is handed to the
 * engine's cleaner, which releases it in the background until the server confirms, and a new
 * token (with a new watch) is used. Leaving without the lease hands the token to the cleaner to be
 * withdrawn. No clean-up runs on the caller's thread, so none delays a caller past its deadline.
 *
 * Every network wait of a timed acquisition is bounded by the time it has left (at least
 * MIN_ATTEMPT_NANOS, so that a short timeout still gets one real attempt), and a retry after an
 * error is not started when the pause before it would reach the deadline. An acquisition that
 * never waits (NO_WAIT, NO_WAIT_NO_OVERTAKING: tryLock()) makes one attempt and is not retried after
 * an error, so it ends within one call's bound (the back end's client timeout). The attempt at the
 * deadline is made as one that will not wait when the back end holds released locks back for
 * waiting attempts (LockBackend.reservesReleasedLocksForOthers): a free lock is then taken, not refused.
 * For such a back end, a waiting attempt sent before the deadline whose busy answer comes after
 * it is followed by one non-waiting attempt, bounded so that the call still ends within
 * MIN_ATTEMPT_NANOS of the deadline; an error in that attempt returns false, as the busy answer
 * would have. Likewise a timed acquisition that found the lock busy and whose last attempt failed
 * (no answer in time, a refused connection) with no time left for a retry (its pause would reach
 * the deadline) returns false rather than throwing: it was not acquired in time, which is what
 * the busy answer said.
 *
 *
 * Fields: releaseSignals is bumped by the back end's watch and by close(); remoteWaiter is the
 * parked thread to wake; the courtesy fields and lastContended are written and read by the
 * acquiring thread (the slot's local owner), which the caller's local lock serialises.
 * </pre>
 */
final class AcquireLoop {

    /** Re-check period while release announcements are not being delivered. */
    static final long INACTIVE_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Re-check period when the holder's remaining lease is unknown. */
    static final long UNKNOWN_LEASE_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Margin added to the holder's remaining lease before re-checking. */
    static final long EXPIRY_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** The least time one attempt of a timed acquisition may wait for the server. */
    static final long MIN_ATTEMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /**
     * The least time left of the allowance past the deadline (MIN_ATTEMPT_NANOS) for which a
     * timed acquisition whose last waiting attempt ended past its deadline tries once more.
     */
    static final long MIN_EXTRA_ATTEMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final ServerLease slot;
    private final LockEngine engine;
    private final LockBackend backend;
    private final String name;
    private final AtomicLong releaseSignals = new AtomicLong();
    private volatile Thread remoteWaiter;
    /** Whether the last acquisition found the lock busy at least once; read by the acquiring thread. */
    private boolean lastContended;
    /** Until when (nanoTime) the next acquisition lets other JVMs go first; guarded by the owner. */
    private long courtesyUntil;
    private boolean courtesyPending;

    AcquireLoop(ServerLease slot, LockEngine engine, LockBackend backend, String name) {
        this.slot = slot;
        this.engine = engine;
        this.backend = backend;
        this.name = name;
    }

    /** Makes the next acquisition wait a courtesy window first (other JVMs may be waiting). */
    void requestCourtesy() {
        courtesyPending = true;
        courtesyUntil = System.nanoTime() + engine.turns.courtesyNanos();
    }

    /**
     * Obtains a new lease on the server for the slot. An existing lease that is lost or has run
     * out is given up first.
     *
     * @return true if the lease is held, false if the deadline passed (NO_WAIT, NO_WAIT_NO_OVERTAKING, TIMED)
     */
    boolean acquire(long deadline, AcquireMode mode) throws InterruptedException {
        Lease current = slot.lease();
        if (current != null) {
            slot.dropLease(current);
            engine.releaser.release(backend, name, current.token, false);
        }
        boolean interrupted = false;
        ReleaseWatch watch = null;
        int failures = 0;
        String token = null;
        // whether a request with this token may have reached the server (an answer came, or the
        // outcome of one is unknown)
        boolean tokenSent = false;
        boolean lastWasBusy = false;
        // the one attempt after the deadline (see below), within the same overrun allowance
        boolean extraAttempt = false;
        // whether an attempt was sent, and whether a watch was made before the first one: a
        // token that was only watched holds nothing on the server, but a back end may keep
        // bookkeeping for its watch (etcd's waiter ranks), which the clean-up forgets
        boolean attempted = false;
        boolean watched = false;
        boolean contendedBefore = lastContended;
        lastContended = false;
        try {
            if (courtesyPending) {
                courtesyPending = false;
                long left = courtesyUntil - System.nanoTime();
                if (!mode.noWait() && left > 0) {
                    if (mode == AcquireMode.TIMED) {
                        left = Math.min(left, Math.max(deadline - System.nanoTime(), 0L));
                    }
                    interrupted |= park(releaseSignals.get(), left, mode);
                }
            }
            if (contendedBefore && !mode.noWait() && backend.watchesBeforeRequest()) {
                // the last acquisition found the lock busy: watch before the first attempt, so
                // that a busy answer parks at once instead of being followed by a second attempt
                // (sent to close the gap between an attempt and its watch). Not where the
                // notification is the request itself (etcd's lock service: a watch made before
                // it was inactive and left the wait on the short re-check timer, 2026-12-07,
                // lock-service hand-overs p50 4 -> 45 ms)
                token = engine.newToken();
                watched = true;
                watch = watchBeforeAttempt(token, deadline, mode);
                interrupted |= watchInterrupted;
            }
            while (true) {
                engine.checkOpen();
                long seen = releaseSignals.get();
                if (token == null) {
                    token = engine.newToken();
                }
                long sentAt = System.nanoTime();
                // the lease is counted on the engine's clock from before the request
                long leaseFrom = engine.clock.nanoTime();
                long budget = mode == AcquireMode.TIMED
                        ? extraAttempt ? deadline + MIN_ATTEMPT_NANOS - sentAt : Math.max(deadline - sentAt, MIN_ATTEMPT_NANOS)
                        : Long.MAX_VALUE;
                // the attempt at the deadline will not be followed by a wait: a back end that
                // holds free locks back from waiting attempts must not refuse it (below: a
                // waiting attempt that ends past the deadline is followed by one such attempt)
                boolean willWait = !mode.noWait()
                        && !(mode == AcquireMode.TIMED && deadline - sentAt <= 0 && backend.reservesReleasedLocksForOthers());
                AcquireResult result;
                attempted = true;
                try {
                    result = mode == AcquireMode.NO_WAIT_NO_OVERTAKING
                            ? backend.tryAcquireWithoutOvertaking(name, token, engine.leaseMillis, budget)
                            : backend.tryAcquire(name, token, engine.leaseMillis, willWait, budget);
                    long took = System.nanoTime() - sentAt;
                    if (!result.renewAtOnce()) {
                        // (a hand-over sent no request: no round trip to learn from)
                        engine.turns.record(took);
                    }
                    if (result.isAcquired() && (result.validMillis() <= 0
                            || validNanos(result) <= engine.clock.nanoTime() - leaseFrom)) {
                        // granted on a lease the server may already have let run out (the back
                        // end said so, or the answer took longer than the lease counted from
                        // the request): not a hold
                        throw new LockBackendException(backend.describe() + ": the lease of lock '" + name
                                + "' ran out before its acquisition was confirmed", null);
                    }
                    failures = 0;
                    tokenSent = true;
                } catch (LockBackendException e) {
                    engine.events.backendError(name, e);
                    if (!(e instanceof RequestNotSentException) || tokenSent) {
                        // the outcome is unknown: whatever this token may hold goes, in the
                        // background (once a request the back end stopped waiting for has ended);
                        // a token none of whose requests reached a server holds nothing
                        engine.releaser.release(backend, name, token, false,
                                e instanceof RequestAbandonedException ? ((RequestAbandonedException) e).request() : null);
                    }
                    token = null;
                    tokenSent = false;
                    lastWasBusy = false;
                    if (watch != null) {
                        // a watch may belong to the abandoned attempt (a queued request)
                        watch.close();
                        watch = null;
                    }
                    if (extraAttempt && !e.isPermanent()) {
                        // the deadline had passed with a busy answer: that answer stands
                        return false;
                    }
                    failures++;
                    long pause = engine.retries.pauseNanos(failures - 1);
                    boolean outOfTime = mode == AcquireMode.TIMED && deadline - System.nanoTime() <= pause;
                    if (outOfTime && lastContended && !e.isPermanent()) {
                        // the lock was found busy and the time ran out in a call that got no
                        // answer: not acquired in time, as the busy answer said (the token is
                        // cleaned up in the background)
                        return false;
                    }
                    // an acquisition that never waits makes one attempt: a retry would wait
                    if (e.isPermanent() || mode.noWait() || failures > engine.options.retryCount() || outOfTime) {
                        throw engine.retries.giveUp("acquire", name, failures, e);
                    }
                    interrupted |= park(releaseSignals.get(), pause, mode);
                    continue;
                }
                if (result.isAcquired()) {
                    long valid = validNanos(result);
                    slot.installLease(new Lease(token, result.fencingToken(), leaseFrom + valid, engine.clock), leaseFrom,
                            result.renewAtOnce());
                    token = null;
                    return true;
                }
                lastWasBusy = true;
                lastContended = true;
                if (mode.noWait()) {
                    return false;
                }
                long now = System.nanoTime();
                if (mode == AcquireMode.TIMED && now - deadline >= 0) {
                    if (willWait && backend.reservesReleasedLocksForOthers()
                            && deadline + MIN_ATTEMPT_NANOS - now >= MIN_EXTRA_ATTEMPT_NANOS) {
                        // this waiting attempt may have been refused a free lock: one more, that
                        // does not wait, in what is left of the allowance past the deadline
                        // (an error in it counts as the busy answer already had)
                        extraAttempt = true;
                        continue;
                    }
                    return false;
                }
                if (watch == null) {
                    watch = watchBeforeAttempt(token, deadline, mode);
                    interrupted |= watchInterrupted;
                    continue;
                }
                long holderLease = result.holderLeaseMillis();
                long wait = holderLease >= 0
                        ? TimeUnit.MILLISECONDS.toNanos(holderLease) + EXPIRY_MARGIN_NANOS
                        : UNKNOWN_LEASE_RECHECK_NANOS;
                if (!watch.isActive()) {
                    wait = Math.min(wait, INACTIVE_RECHECK_NANOS);
                }
                if (mode == AcquireMode.TIMED) {
                    wait = Math.min(wait, deadline - now);
                }
                interrupted |= park(seen, wait, mode);
            }
        } finally {
            if (token != null && (attempted || watched) && !(mode.noWait() && lastWasBusy)) {
                // a waiting acquisition that gives up (a busy tryLock() leaves nothing queued);
                // handed to the cleaner before this waiter leaves the engine's list, so that a
                // close() waiting for the waiters still gives it its last attempt
                engine.releaser.release(backend, name, token, true);
            }
            engine.unregisterWaiting(this);
            if (watch != null) {
                watch.close();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the last {@link #watchBeforeAttempt} swallowed an interrupt; read by the acquiring thread. */
    private boolean watchInterrupted;

    /**
     * Starts watching for releases before the next attempt with {@code token}; a watch the server
     * has yet to confirm is waited for first (up to the short re-check time): the next attempt
     * must come after the server confirmed it, or a release between the two could go unheard
     * (the confirmation signals). Sets watchInterrupted if an interrupt was swallowed.
     */
    private ReleaseWatch watchBeforeAttempt(String token, long deadline, AcquireMode mode) throws InterruptedException {
        watchInterrupted = false;
        long before = releaseSignals.get();
        ReleaseWatch w = backend.watch(name, token, this::signalRelease);
        if (w.awaitsConfirmation()) {
            long pause = INACTIVE_RECHECK_NANOS;
            if (mode == AcquireMode.TIMED) {
                pause = Math.min(pause, Math.max(deadline - System.nanoTime(), 0L));
            }
            try {
                watchInterrupted = park(before, pause, mode);
            } catch (InterruptedException e) {
                w.close();
                throw e;
            }
        }
        return w;
    }

    /** How long a grant is valid, counted from its request: the back end's figure, at most the lease. */
    private long validNanos(AcquireResult granted) {
        return TimeUnit.MILLISECONDS.toNanos(Math.min(granted.validMillis(), engine.leaseMillis));
    }

    /** Whether the last {@link #acquire} found the lock busy; for the thread that called it. */
    boolean lastContended() {
        return lastContended;
    }

    /**
     * Parks until a release signal newer than {@code seen}, the time runs out or an interrupt.
     *
     * @return true if an interrupt was swallowed (uninterruptible modes)
     * @throws InterruptedException if interrupted in an interruptible mode
     */
    private boolean park(long seen, long nanos, AcquireMode mode) throws InterruptedException {
        boolean interrupted = false;
        long end = System.nanoTime() + nanos;
        Thread me = Thread.currentThread();
        remoteWaiter = me;
        // an untimed acquisition waits in Thread.State.WAITING, as in a JDK lock: the engine's
        // waker unparks it when its re-check is due; a timed one parks with its timeout
        Waker.Alarm alarm = mode == AcquireMode.TIMED ? null : Waker.wake(me, nanos);
        try {
            // only a thread that parks needs waking on close (acquisitions that never wait skip
            // this); checking after registering closes the race with a close() in between
            engine.registerWaiting(this);
            engine.checkOpen();
            for (long left = nanos; left > 0 && releaseSignals.get() == seen; left = end - System.nanoTime()) {
                Waker.park(this, end, alarm);
                if (Thread.interrupted()) {
                    if (mode.interruptible()) {
                        throw new InterruptedException();
                    }
                    interrupted = true;
                }
            }
        } finally {
            remoteWaiter = null;
            if (alarm != null) {
                alarm.cancel();
            }
        }
        return interrupted;
    }

    /** Called by the back end's watch, and on close: the lease may have been released. */
    void signalRelease() {
        releaseSignals.incrementAndGet();
        Thread t = remoteWaiter;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
