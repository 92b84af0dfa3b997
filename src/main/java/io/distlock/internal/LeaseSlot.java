package io.distlock.internal;

import io.distlock.AutoRenewal;
import io.distlock.LeaseLostException;
import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.spi.AcquireResult;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.LockBackend;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import io.distlock.spi.RequestAbandonedException;
import io.distlock.spi.RequestNotSentException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The JVM's lease on one server-side lock (an exclusive lock, or one side of a read/write lock):
 * the acquire loop, renewal, expiry, loss reporting and release. Used by one local owner at a
 * time: the caller serialises acquire and release with its own local lock.
 *
 * <pre>
 * The acquire loop: try once; if busy, watch for release announcements and try again at once (a
 * release between the first try and the watch would otherwise be missed); then park until an
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
 * never waits (NO_WAIT, NO_WAIT_IN_TURN: tryLock()) makes one attempt and is not retried after
 * an error, so it ends within one call's bound (the back end's client timeout). The attempt at the
 * deadline is made as one that will not wait when the back end holds released locks back for
 * waiting attempts (LockBackend.holdsReleasedLocksBack): a free lock is then taken, not refused.
 * For such a back end, a waiting attempt sent before the deadline whose busy answer comes after
 * it is followed by one non-waiting attempt, bounded so that the call still ends within
 * MIN_ATTEMPT_NANOS of the deadline; an error in that attempt returns false, as the busy answer
 * would have.
 *
 * The lease field is written only by the owner, except that the renewal thread and close() may
 * mark a lease lost. A lost lease stays in place until the owner's release, which reports it.
 * The holder field names the thread the lease serves; the sweeper uses it to find a lease whose
 * owner thread died without unlocking.
 * </pre>
 */
final class LeaseSlot {

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

    private final LockEngine engine;
    private final LockBackend backend;
    private final String name;
    /**
     * The local state this lease belongs to. The engine keeps held slots strongly, and through
     * this field their owners, so that the registry (weak values) never drops a held lock.
     */
    @SuppressWarnings({"unused", "FieldCanBeLocal"})
    private final Object owner;
    private final AtomicLong releaseSignals = new AtomicLong();
    private volatile Thread remoteWaiter;
    private volatile Lease lease;
    /** The thread the lease serves now, or null while it waits for a local hand-over. */
    private volatile Thread holder;
    /** Whether the last acquisition found the lock busy at least once; read by the acquiring thread. */
    private boolean lastAcquireContended;
    /**
     * When the current hold began, for the observers (LockEvents.released), or LockEvents.OFF if
     * its acquisition was not observed; written and read by the holding thread (a local
     * hand-over passes it on under the local lock).
     */
    private long heldSince = LockEvents.OFF;
    /** Until when (nanoTime) the next acquisition lets other JVMs go first; guarded by the owner. */
    private long courtesyUntil;
    private boolean courtesyPending;

    LeaseSlot(LockEngine engine, LockBackend backend, String name, Object owner) {
        this.engine = engine;
        this.backend = backend;
        this.name = name;
        this.owner = owner;
    }

    String name() {
        return name;
    }

    Lease lease() {
        return lease;
    }

    /** Whether the lease is in place, still valid, and serves thread {@code t}. */
    boolean servesThread(Thread t) {
        Lease l = lease;
        return l != null && holder == t && l.isValid();
    }

    boolean hasValidLease() {
        Lease l = lease;
        return l != null && l.isValid();
    }

    /** Makes the next acquisition wait a courtesy window first (other JVMs may be waiting). */
    void requestCourtesy() {
        courtesyPending = true;
        courtesyUntil = System.nanoTime() + engine.courtesyNanos();
    }

    /**
     * Keeps the lease for a local hand-over: it serves no thread until {@link #takeOver} (so a
     * thread that dies after unlocking is not taken for a dead holder).
     */
    void keepForHandOver() {
        holder = null;
    }

    /**
     * The current thread takes over a lease kept for it, as holder number {@code handoff} of
     * the lease's chain: it gets a fencing token of its own, greater than its predecessor's.
     */
    void takeOver(int handoff) {
        Lease l = lease;
        l.handOver(handoff);
        holder = Thread.currentThread();
    }

    /**
     * Obtains a new lease on the server. An existing lease that is lost or has run out is given
     * up first.
     *
     * @return true if the lease is held, false if the deadline passed (NO_WAIT, NO_WAIT_IN_TURN, TIMED)
     */
    boolean acquire(long deadline, AcquireMode mode) throws InterruptedException {
        Lease current = lease;
        if (current != null) {
            dropLease(current);
            engine.discardInBackground(backend, name, current.token, false);
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
        lastAcquireContended = false;
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
            while (true) {
                engine.checkOpen();
                long seen = releaseSignals.get();
                if (token == null) {
                    token = engine.newToken();
                }
                long sentAt = System.nanoTime();
                long budget = mode == AcquireMode.TIMED
                        ? extraAttempt ? deadline + MIN_ATTEMPT_NANOS - sentAt : Math.max(deadline - sentAt, MIN_ATTEMPT_NANOS)
                        : Long.MAX_VALUE;
                // the attempt at the deadline will not be followed by a wait: a back end that
                // holds free locks back from waiting attempts must not refuse it (below: a
                // waiting attempt that ends past the deadline is followed by one such attempt)
                boolean willWait = !mode.noWait()
                        && !(mode == AcquireMode.TIMED && deadline - sentAt <= 0 && backend.holdsReleasedLocksBack());
                AcquireResult result;
                try {
                    result = mode == AcquireMode.NO_WAIT_IN_TURN
                            ? backend.tryAcquireInTurn(name, token, engine.leaseMillis, budget)
                            : backend.tryAcquire(name, token, engine.leaseMillis, willWait, budget);
                    long took = System.nanoTime() - sentAt;
                    engine.recordRoundTrip(took);
                    if (result.isAcquired() && (result.validMillis() <= 0
                            || validNanos(result) <= took)) {
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
                        engine.discardInBackground(backend, name, token, false,
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
                    long pause = engine.retryPauseNanos(failures - 1);
                    // an acquisition that never waits makes one attempt: a retry would wait
                    if (e.isPermanent() || mode.noWait() || failures > engine.options.retryCount()
                            || (mode == AcquireMode.TIMED && deadline - System.nanoTime() <= pause)) {
                        throw engine.giveUp("acquire", name, failures, e);
                    }
                    interrupted |= park(releaseSignals.get(), pause, mode);
                    continue;
                }
                if (result.isAcquired()) {
                    long valid = validNanos(result);
                    installLease(new Lease(token, result.fencingToken(), sentAt + valid), sentAt);
                    token = null;
                    return true;
                }
                lastWasBusy = true;
                lastAcquireContended = true;
                if (mode.noWait()) {
                    return false;
                }
                long now = System.nanoTime();
                if (mode == AcquireMode.TIMED && now - deadline >= 0) {
                    if (willWait && backend.holdsReleasedLocksBack()
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
                    watch = backend.watch(name, token, this::signalRelease);
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
            if (token != null && !(mode.noWait() && lastWasBusy)) {
                // a waiting acquisition that gives up (a busy tryLock() leaves nothing queued);
                // handed to the cleaner before this waiter leaves the engine's list, so that a
                // close() waiting for the waiters still gives it its last attempt
                engine.discardInBackground(backend, name, token, true);
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

    /** How long a grant is valid, counted from its request: the back end's figure, at most the lease. */
    private long validNanos(AcquireResult granted) {
        return TimeUnit.MILLISECONDS.toNanos(Math.min(granted.validMillis(), engine.leaseMillis));
    }

    /** Records when the current hold began (what LockEvents.acquired returned). */
    void heldSince(long since) {
        heldSince = since;
    }

    /** When the current hold began, then forgotten: LockEvents.OFF if unknown or already taken. */
    long takeHeldSince() {
        long since = heldSince;
        heldSince = LockEvents.OFF;
        return since;
    }

    /** Whether the last {@link #acquire} found the lock busy; for the thread that called it. */
    boolean lastAcquireContended() {
        return lastAcquireContended;
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

    /**
     * Gives the lease back to the server.
     *
     * @return whether other processes were listening for the release
     * @throws LeaseLostException if the lease had been lost; it is given up all the same
     * @throws LockBackendException if the server could not be reached after the retries; the
     *         lease is given up locally and runs out by itself
     */
    boolean release() {
        Lease l = lease;
        if (l == null) {
            return false;
        }
        if (l.isLost()) {
            dropLease(l);
            engine.discardInBackground(backend, name, l.token, false);
            throw new LeaseLostException(name, l.fencingToken());
        }
        dropLease(l);
        // When an attempt fails and a retry finds the lease gone, either the failed attempt
        // deleted it before its answer was lost, or the lease had been lost (a server restart
        // that lost the data breaks the connection too). The two cannot be told apart, and a
        // lost lease must never pass silently, so that is reported as lost.
        ReleaseResult released;
        try {
            released = engine.retrying("release", name, () -> backend.release(name, l.token));
        } catch (LockBackendException e) {
            // nobody renews the lease now; the factory keeps giving it back in the background
            // (on etcd a key on the session lease would otherwise stay as long as the session)
            if (!e.isPermanent()) {
                engine.discardInBackground(backend, name, l.token, false);
            }
            throw e;
        }
        if (!released.released()) {
            if (l.markLost()) {
                engine.reportLost(name, l.fencingToken());
            }
            throw new LeaseLostException(name, l.fencingToken());
        }
        return released == ReleaseResult.RELEASED_WITH_LISTENERS;
    }

    /**
     * Queues a condition waiter and gives the lease back, in one atomic step on the server (a
     * condition's await). On success the lease is gone. If the server says the lease was lost,
     * it is marked lost and reported, and stays in place for the owner's unlock, which reports
     * it again; nothing was queued.
     *
     * @throws LeaseLostException if the lease was lost
     * @throws LockBackendException if the server could not be reached after the retries: the
     *         outcome is unknown, so the lease is no longer trusted (marked lost, given back in
     *         the background) and the waiter withdrawn if it can be
     */
    void releaseIntoCondition(io.distlock.spi.ConditionBackend conditions, String condition, String waiter,
                              long aliveMillis) {
        Lease l = lease;
        if (l == null || l.isLost()) {
            throw new LeaseLostException(name, l == null ? 0 : l.fencingToken());
        }
        boolean queued;
        try {
            queued = engine.retrying("await", name,
                    () -> conditions.enqueueAndRelease(name, l.token, condition, waiter, aliveMillis));
        } catch (LockBackendException e) {
            if (l.markLost()) {
                engine.reportLost(name, l.fencingToken());
            }
            engine.discardInBackground(backend, name, l.token, false);
            try {
                conditions.withdraw(name, condition, waiter);
            } catch (LockBackendException ignored) {
                // the record expires with its JVM's liveness
            }
            throw e;
        }
        if (!queued) {
            if (l.markLost()) {
                engine.reportLost(name, l.fencingToken());
            }
            throw new LeaseLostException(name, l.fencingToken());
        }
        dropLease(l);
    }

    /**
     * Wakes up to {@code count} waiters of a condition, if the server confirms in the same step
     * that this lease still owns the lock.
     *
     * @return the ids of the waiters woken, oldest first
     * @throws LeaseLostException if the lease was lost (nobody was woken)
     */
    java.util.List<String> signalCondition(io.distlock.spi.ConditionBackend conditions, String condition, int count) {
        Lease l = lease;
        if (l == null || l.isLost()) {
            throw new LeaseLostException(name, l == null ? 0 : l.fencingToken());
        }
        // a retry after an unknown outcome may wake one waiter more: a spurious wake-up, which
        // every waiter must expect
        java.util.List<String> woken = engine.retrying("signal", name,
                () -> conditions.signal(name, l.token, condition, count));
        if (woken == null) {
            if (l.markLost()) {
                engine.reportLost(name, l.fencingToken());
            }
            throw new LeaseLostException(name, l.fencingToken());
        }
        return woken;
    }

    /** The back end of this slot's lock. */
    LockBackend backend() {
        return backend;
    }

    /**
     * Gives the lease back without reporting anything (nobody will use it): now, never throwing,
     * or in the background.
     */
    void releaseIdle(boolean now) {
        Lease l = lease;
        if (l != null) {
            dropLease(l);
            if (now) {
                engine.releaseQuietly(backend, name, l.token);
            } else {
                engine.discardInBackground(backend, name, l.token, false);
            }
        }
    }

    /** Asks the server whether the lock is held. */
    boolean isLocked() {
        engine.checkOpen();
        return engine.retrying("inspect", name, () -> backend.isLocked(name));
    }

    /** Asks the server for the lock's state. */
    LeaseSnapshot inspect() {
        engine.checkOpen();
        return engine.retrying("inspect", name, () -> backend.inspect(name));
    }

    /** The current lease, lost or not; IMSE if there is none. */
    Lease heldLeaseOrLost() {
        Lease l = lease;
        if (l == null) {
            throw new IllegalMonitorStateException("current thread does not hold lock '" + name + "'");
        }
        return l;
    }

    /**
     * The lock's state for {@link io.distlock.DistributedLock#info()}: the server's view, with
     * this JVM's own fencing token when the calling thread holds the lock. A token read from the
     * server is that of the lease's first holder (local hand-overs add to it).
     */
    io.distlock.LockInfo info(boolean callerHolds, boolean callerHoldsValidly, int holdCount) {
        LeaseSnapshot snapshot = inspect();
        Lease l = lease;
        long fence = callerHolds && l != null && snapshot.isLocked()
                ? l.fencingToken() : snapshot.fencingToken() << Lease.HANDOFF_BITS;
        return new io.distlock.LockInfo(name, snapshot.isLocked(), fence, snapshot.remainingLeaseMillis(),
                callerHoldsValidly, holdCount, engine.options);
    }

    /**
     * The one check of a re-entrant acquisition (and of the end of a condition's await, whose
     * holds are restored on a fresh lease): the current thread's hold may grow only while its
     * lease is good. A lease known lost, or whose last confirmed expiry has passed on the local
     * clock (the server may have given the lock to another JVM since), is final for the hold: it
     * is marked lost (reported once), and the acquisition fails with LeaseLostException. The
     * caller undoes the local hold it took, so the hold count is unchanged; once the thread has
     * released every hold it acquires afresh.
     *
     * @throws LeaseLostException if the hold's lease was lost or has run out
     * @throws IllegalMonitorStateException if there is no lease at all (a local hold taken
     *         without the engine)
     */
    void confirmHold() {
        Lease l = lease;
        if (l == null) {
            throw new IllegalMonitorStateException("lock '" + name
                    + "' is held locally without a lease: it was locked through a JDK lock object built over the "
                    + "distributed lock, which the distributed lock does not support");
        }
        if (l.isValid()) {
            return;
        }
        if (l.markLost()) {
            engine.reportLost(name, l.fencingToken());
        }
        throw new LeaseLostException(name, l.fencingToken());
    }

    /** The current lease if it is not lost; IMSE / LeaseLostException otherwise. */
    Lease heldLease() {
        Lease l = lease;
        if (l == null) {
            throw new IllegalMonitorStateException("current thread does not hold lock '" + name + "'");
        }
        if (l.isLost()) {
            throw new LeaseLostException(name, l.fencingToken());
        }
        return l;
    }

    /** Checks a lease time given to renew or holdFor. */
    private static void requireLeaseTime(Duration leaseTime) {
        Objects.requireNonNull(leaseTime, "leaseTime");
        if (leaseTime.compareTo(LockOptions.MIN_LEASE) < 0 || leaseTime.compareTo(LockOptions.MAX_LEASE) > 0) {
            throw new IllegalArgumentException("leaseTime must be between " + LockOptions.MIN_LEASE + " and "
                    + LockOptions.MAX_LEASE + ", was " + leaseTime);
        }
    }

    /**
     * See {@link io.distlock.DistributedLock#renew(Duration)}; the caller checked ownership. A
     * lease with a term of its own (holdFor) gets its term extended to {@code leaseTime} from now.
     */
    void renew(Duration leaseTime) {
        requireLeaseTime(leaseTime);
        Lease l = heldLease();
        if (l.hasTerm()) {
            setTerm(l, leaseTime);
            return;
        }
        renewOrThrow(l, leaseTime.toMillis());
    }

    /**
     * See {@link io.distlock.DistributedLock#holdFor(Duration)}; the caller checked ownership.
     * The lease gets a term ending {@code leaseTime} from now: the watchdog, if on, renews it
     * only up to that end (so the server's key never outlives it by more than a renewal already
     * under way), one renewal to the term is made now, and at the end the sweeper ends the hold:
     * lost, reported and given back on the server (on etcd the key hangs on the factory's
     * session, which outlives the term).
     */
    void holdFor(Duration leaseTime) {
        requireLeaseTime(leaseTime);
        setTerm(heldLease(), leaseTime);
    }

    /** Sets {@code l}'s term to end {@code length} from now and renews it to that end. */
    private void setTerm(Lease l, Duration length) {
        long end = System.nanoTime() + length.toNanos();
        // first: from now on the watchdog renews only up to the new end, and the sweeper does not
        // end the hold at an earlier one
        l.setTermEnd(end);
        renewOrThrow(l, length.toMillis());
        l.dueAt(Math.min(l.dueNanos(), end));
    }

    /** One renewal (with retries) of a held lease; LeaseLostException if it is lost, then or meanwhile. */
    private void renewOrThrow(Lease l, long leaseMillis) {
        if (!renewLease(l, leaseMillis, true) || l.isLost()) {
            throw new LeaseLostException(name, l.fencingToken());
        }
    }

    /** See {@link io.distlock.DistributedLock#autoRenew(Duration)}; the caller checked ownership. */
    AutoRenewal autoRenew(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.compareTo(LockOptions.MIN_RENEW_INTERVAL) < 0
                || interval.compareTo(engine.options.leaseTime()) >= 0) {
            throw new IllegalArgumentException("interval must be at least " + LockOptions.MIN_RENEW_INTERVAL
                    + " and shorter than the lease time " + engine.options.leaseTime() + ", was " + interval);
        }
        return new PeriodicRenewal(heldLease(), interval.toNanos());
    }

    /**
     * Installs a new lease for the current thread, granted by a request sent at {@code sentAt}.
     * Renewal (watchdog) or expiry (fixed lease) is the engine's sweeper's job: it visits held
     * slots on a short period and acts on leases that are due, so acquiring and releasing never
     * touch a scheduler. The first renewal is due one renewal interval after the request, like
     * the lease's own end: a late answer brings it forward, not the lease's end back.
     */
    private void installLease(Lease l, long sentAt) {
        l.dueAt(engine.options.watchdog()
                ? sentAt + engine.options.renewInterval().toNanos() : l.validUntilNanos());
        holder = Thread.currentThread();
        lease = l;
        engine.registerHeld(this);
        if (engine.isClosed()) {
            // the factory closed while this acquisition was under way: lost at once, as every
            // lease held at the close is
            abandon();
        }
    }

    private void dropLease(Lease l) {
        lease = null;
        holder = null;
        engine.unregisterHeld(this);
    }

    /**
     * The sweeper's visit: renews a watchdog lease that is due, or expires a fixed one. A lease
     * whose holder thread has terminated without unlocking is reported lost and given back on
     * the server (nobody can act under it any more: the thread is gone, and the JVM's other
     * threads stay blocked on its local lock, as with a ReentrantLock), so the rest of the fleet
     * is not blocked for ever.
     */
    void sweep(long now) {
        Lease l = lease;
        if (l == null || l.isLost()) {
            return;
        }
        Thread h = holder;
        // re-read after isAlive: a thread that handed the lease over and then ended is no holder
        if (h != null && !h.isAlive() && holder == h && lease == l) {
            if (l.markLost()) {
                engine.reportDeadHolder(name, h, l.fencingToken());
                engine.discardInBackground(backend, name, l.token, false);
            }
            return;
        }
        if (l.termEnded(now)) {
            expire(l);
            return;
        }
        if (now - l.dueNanos() < 0) {
            return;
        }
        if (engine.options.watchdog()) {
            long next = now + engine.options.renewInterval().toNanos();
            l.dueAt(l.hasTerm() ? Math.min(next, l.termEndNanos()) : next);
            renewOnce(l);
        } else {
            expire(l);
        }
    }

    /**
     * One renewal of {@code l} to {@code leaseMillis}; reports and returns false if it was lost.
     * With a fixed lease, moves its expiry to the new end.
     */
    private boolean renewLease(Lease l, long leaseMillis, boolean retry) {
        long sentAt = System.nanoTime();
        l.beginRenewal(sentAt, TimeUnit.MILLISECONDS.toNanos(leaseMillis));
        long granted;
        try {
            granted = retry
                    ? engine.retrying("renew", name, () -> backend.renew(name, l.token, leaseMillis))
                    : backend.renew(name, l.token, leaseMillis);
        } catch (RuntimeException e) {
            l.endRenewal(false, 0);
            if (!retry && e instanceof io.distlock.LockBackendException) {
                engine.events.backendError(name, (io.distlock.LockBackendException) e);
            }
            engine.events.renewed(name, false);
            throw e;
        }
        engine.events.renewed(name, granted >= 0);
        if (granted < 0) {
            l.endRenewal(false, 0);
            if (lease == l && l.markLost()) {
                engine.reportLost(name, l.fencingToken());
            }
            return false;
        }
        l.endRenewal(true, sentAt + TimeUnit.MILLISECONDS.toNanos(Math.min(granted, leaseMillis)));
        if (!engine.options.watchdog()) {
            l.dueAt(l.validUntilNanos());
        }
        return true;
    }

    /**
     * Watchdog and auto-renewal task: one renewal of a current lease to the configured lease
     * time (a lease with a term of its own: at most to the term's end). A failure to reach the
     * server costs the lease only once its last confirmed expiry has passed. A failure that came
     * back quickly (a refused or broken connection: after a server restart the first call on each
     * pooled connection fails) is tried again after the first retry pause rather than a whole
     * renewal interval later, once in a row, so that a lease the restarted server forgot is found
     * lost within about one renewal interval; a slow failure (a frozen server) is not, so that it
     * cannot hold the single sweeper thread back from every other lease.
     */
    private void renewOnce(Lease l) {
        if (lease != l || l.isLost()) {
            return;
        }
        long start = System.nanoTime();
        long leaseMillis = engine.leaseMillis;
        if (l.hasTerm()) {
            leaseMillis = Math.max(1L, Math.min(leaseMillis, TimeUnit.NANOSECONDS.toMillis(l.termEndNanos() - start)));
        }
        try {
            renewLease(l, leaseMillis, false);
            l.renewed();
        } catch (LockBackendException e) {
            long pause = engine.retryPauseNanos(0);
            if (l.hasRunOut() && lease == l && l.markLost()) {
                engine.reportLost(name, l.fencingToken());
            } else if (engine.options.watchdog() && !e.isPermanent() && System.nanoTime() - start < pause
                    && l.retryEarly()) {
                l.dueAt(Math.min(l.dueNanos(), System.nanoTime() + pause));
            }
        }
    }

    /**
     * A fixed lease has run out, or a lease's own term has ended, while the lock is still held:
     * lost and reported. A lease with a term of its own is also given back on the server, where
     * it may outlive the term. Nothing happens if a holder's renewal extended it meanwhile.
     */
    private void expire(Lease l) {
        if (lease != l || !(l.hasRunOut() || l.termEnded(System.nanoTime()))) {
            return;
        }
        if (l.markLost()) {
            engine.reportLost(name, l.fencingToken());
            if (l.hasTerm()) {
                engine.discardInBackground(backend, name, l.token, false);
            }
        }
    }

    /** Called by the engine on close: the held lease is lost and given back. */
    void abandon() {
        Lease l = lease;
        if (l != null && l.markLost()) {
            engine.reportLost(name, l.fencingToken());
            engine.releaseQuietly(backend, name, l.token);
        }
    }

    /** Renewals of one lease every interval until closed, released or lost. */
    private final class PeriodicRenewal implements AutoRenewal, Runnable {
        private final Lease l;
        private final ScheduledFuture<?> task;
        private volatile boolean closed;

        PeriodicRenewal(Lease l, long intervalNanos) {
            this.l = l;
            this.task = engine.schedule(this, intervalNanos, intervalNanos);
        }

        @Override
        public void run() {
            if (!isActive()) {
                task.cancel(false);
                return;
            }
            renewOnce(l);
        }

        @Override
        public boolean isActive() {
            return !closed && lease == l && !l.isLost();
        }

        @Override
        public void close() {
            closed = true;
            task.cancel(false);
        }
    }
}
