package io.distlock.internal;

import io.distlock.AutoRenewal;
import io.distlock.LeaseLostException;
import io.distlock.LockBackendException;
import io.distlock.LockInfo;
import io.distlock.LockOptions;
import io.distlock.spi.AcquireResult;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The algorithm behind one lock name in one engine.
 *
 * <pre>
 * Overview
 *
 * A JVM-local ReentrantLock orders the threads of this JVM: it gives the local queue, the hold
 * count, reentrancy, timeouts and interrupts of the local part. The thread that owns it (hold
 * count 1) is the only one that talks to the server for this name. It needs a lease:
 *
 *   - if the JVM already has a valid lease (the previous local owner handed the lock over), it
 *     takes it as it is: no network call;
 *   - otherwise it runs the acquire loop: try once; if busy, watch for release announcements,
 *     try again at once (a release between the first try and the watch would be missed
 *     otherwise), then park until an announcement arrives, the holder's lease would have run
 *     out, the deadline passes or, while announcements are not flowing, a short re-check time.
 *
 * On the final unlock the lease is either kept for a queued local thread (at most
 * maxLocalHandoffs times in a row, and only with the watchdog on, so that every holder gets a
 * renewed lease) or released on the server. When it is released while local threads are still
 * queued and the back end says other processes listen for the release, the next local owner
 * first waits a courtesy window of a few round trips: a waiter in
 * another JVM needs one hop to hear the announcement and one round trip to acquire, while the
 * local thread could try at once and would win every time, starving other JVMs. A thread that leaves the local queue without the
 * lock (timeout, interrupt) may leave a kept lease without owner; releaseIdleLease() gives such a
 * lease back, and both the unlocking thread and the leaving thread call it, so whichever comes
 * last sees the queue empty.
 *
 * The lease field is written only by the local owner, except that the renewal thread and
 * close() may mark a lease lost. A lost lease stays in place until the owner's final unlock,
 * which reports it.
 * </pre>
 */
public final class LockSync {

    /** Re-check period while release announcements are not being delivered. */
    static final long INACTIVE_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Re-check period when the holder's remaining lease is unknown. */
    static final long UNKNOWN_LEASE_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Margin added to the holder's remaining lease before re-checking. */
    static final long EXPIRY_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final LockEngine engine;
    private final String name;
    private final LocalLock local = new LocalLock();
    private final AtomicLong releaseSignals = new AtomicLong();
    private volatile Thread remoteWaiter;
    private volatile Lease lease;
    /** Consecutive local hand-overs of the current lease; guarded by local. */
    private int handoffs;
    /** Until when (nanoTime) a local owner lets other JVMs take the lock first; guarded by local. */
    private long courtesyUntil;
    private boolean courtesyPending;

    LockSync(LockEngine engine, String name) {
        this.engine = engine;
        this.name = name;
    }

    /** The lock name. */
    public String name() {
        return name;
    }

    /** See {@link io.distlock.DistributedLock#lock()}. */
    public void lock() {
        engine.checkOpen();
        local.lock();
        if (local.getHoldCount() > 1) {
            return;
        }
        boolean acquired = false;
        try {
            acquired = acquireRemote(0L, Mode.UNINTERRUPTIBLE);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        } finally {
            if (!acquired) {
                leaveWithoutLock();
            }
        }
    }

    /** See {@link io.distlock.DistributedLock#lockInterruptibly()}. */
    public void lockInterruptibly() throws InterruptedException {
        engine.checkOpen();
        try {
            local.lockInterruptibly();
        } catch (InterruptedException e) {
            releaseIdleLease();
            throw e;
        }
        if (local.getHoldCount() > 1) {
            return;
        }
        boolean acquired = false;
        try {
            acquired = acquireRemote(0L, Mode.INTERRUPTIBLE);
        } finally {
            if (!acquired) {
                leaveWithoutLock();
            }
        }
    }

    /** See {@link io.distlock.DistributedLock#tryLock()}. */
    public boolean tryLock() {
        engine.checkOpen();
        if (!local.tryLock()) {
            return false;
        }
        if (local.getHoldCount() > 1) {
            return true;
        }
        boolean acquired = false;
        try {
            acquired = acquireRemote(0L, Mode.NO_WAIT);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        } finally {
            if (!acquired) {
                leaveWithoutLock();
            }
        }
        return acquired;
    }

    /** See {@link io.distlock.DistributedLock#tryLock(long, TimeUnit)}. */
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        if (unit == null) {
            throw new NullPointerException("unit");
        }
        engine.checkOpen();
        long timeoutNanos = unit.toNanos(time);
        long deadline = System.nanoTime() + Math.max(timeoutNanos, 0L);
        boolean locked;
        try {
            locked = local.tryLock(Math.max(timeoutNanos, 0L), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            releaseIdleLease();
            throw e;
        }
        if (!locked) {
            releaseIdleLease();
            return false;
        }
        if (local.getHoldCount() > 1) {
            return true;
        }
        boolean acquired = false;
        try {
            acquired = acquireRemote(deadline, timeoutNanos > 0 ? Mode.TIMED : Mode.NO_WAIT);
        } finally {
            if (!acquired) {
                leaveWithoutLock();
            }
        }
        return acquired;
    }

    /** See {@link io.distlock.DistributedLock#unlock()}. */
    public void unlock() {
        if (!local.isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException(
                    "current thread does not hold lock '" + name + "'");
        }
        if (local.getHoldCount() > 1) {
            local.unlock();
            return;
        }
        Lease l = lease;
        boolean keptForHandoff = false;
        boolean validAtStart = l != null && l.isValid();
        try {
            if (l == null) {
                return;
            }
            if (l.isLost()) {
                dropLease(l);
                engine.releaseQuietly(name, l.token);
                throw new LeaseLostException(name, l.fencingToken);
            }
            if (engine.options.watchdog() && handoffs < engine.options.maxLocalHandoffs()
                    && local.hasQueuedThreads() && l.isValid()) {
                handoffs++;
                keptForHandoff = true;
                return;
            }
            dropLease(l);
            // If an attempt fails and a retry then finds the lease gone, the failed attempt most
            // likely deleted it before its answer was lost. The lease was valid when unlock began,
            // so the critical section was covered: that counts as released, not as lost.
            ReleaseResult released = engine.retrying("release", name, () -> engine.backend.release(name, l.token),
                    r -> r == ReleaseResult.NOT_OWNED && validAtStart ? ReleaseResult.RELEASED_WITH_LISTENERS : r);
            if (released == ReleaseResult.RELEASED_WITH_LISTENERS && local.hasQueuedThreads()) {
                courtesyPending = true;
                courtesyUntil = System.nanoTime() + engine.courtesyNanos();
            }
            if (!released.released()) {
                if (l.markLost()) {
                    engine.reportLost(name, l.fencingToken);
                }
                throw new LeaseLostException(name, l.fencingToken);
            }
        } finally {
            local.unlock();
            if (keptForHandoff && !local.hasQueuedThreads()) {
                releaseIdleLease();
            }
        }
    }

    /** Hold count of the current thread; no network call. */
    public int getHoldCount() {
        return local.getHoldCount();
    }

    /** Whether the current thread holds the lock under a lease still valid; no network call. */
    public boolean isHeldByCurrentThread() {
        Lease l = lease;
        return local.isHeldByCurrentThread() && l != null && l.isValid();
    }

    /** Asks the server whether any JVM holds the lock. */
    public boolean isLocked() {
        engine.checkOpen();
        return engine.retrying("inspect", name, () -> engine.backend.isLocked(name));
    }

    /** Fencing token of the lease the current thread holds the lock under. */
    public long getFencingToken() {
        Lease l = lease;
        if (!local.isHeldByCurrentThread() || l == null) {
            throw new IllegalMonitorStateException("current thread does not hold lock '" + name + "'");
        }
        return l.fencingToken;
    }

    /** See {@link io.distlock.DistributedLock#renew(Duration)}. */
    public void renew(Duration leaseTime) {
        Objects.requireNonNull(leaseTime, "leaseTime");
        if (leaseTime.compareTo(LockOptions.MIN_LEASE) < 0 || leaseTime.compareTo(LockOptions.MAX_LEASE) > 0) {
            throw new IllegalArgumentException("leaseTime must be between " + LockOptions.MIN_LEASE + " and "
                    + LockOptions.MAX_LEASE + ", was " + leaseTime);
        }
        Lease l = heldLease();
        if (!renewLease(l, leaseTime.toMillis(), true)) {
            throw new LeaseLostException(name, l.fencingToken);
        }
    }

    /** See {@link io.distlock.DistributedLock#autoRenew(Duration)}. */
    public AutoRenewal autoRenew(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero() || interval.compareTo(engine.options.leaseTime()) >= 0) {
            throw new IllegalArgumentException("interval must be positive and shorter than the lease time "
                    + engine.options.leaseTime() + ", was " + interval);
        }
        Lease l = heldLease();
        return new PeriodicRenewal(l, interval.toNanos());
    }

    /** See {@link io.distlock.DistributedLock#info()}. */
    public LockInfo info() {
        engine.checkOpen();
        LeaseSnapshot snapshot = engine.retrying("inspect", name, () -> engine.backend.inspect(name));
        Lease l = lease;
        boolean mine = local.isHeldByCurrentThread() && l != null;
        long fence = mine && snapshot.isLocked() ? l.fencingToken : snapshot.fencingToken();
        return new LockInfo(name, snapshot.isLocked(), fence, snapshot.remainingLeaseMillis(),
                isHeldByCurrentThread(), local.getHoldCount(), engine.options);
    }

    /** The lease the current thread holds the lock under; IMSE if it does not hold it. */
    private Lease heldLease() {
        Lease l = lease;
        if (!local.isHeldByCurrentThread() || l == null) {
            throw new IllegalMonitorStateException("current thread does not hold lock '" + name + "'");
        }
        if (l.isLost()) {
            throw new LeaseLostException(name, l.fencingToken);
        }
        return l;
    }

    /**
     * One renewal of {@code l} to {@code leaseMillis}; reports and returns false if it was lost.
     * With a fixed lease, moves the expiry timer to the new end.
     */
    private boolean renewLease(Lease l, long leaseMillis, boolean retry) {
        long sentAt = System.nanoTime();
        long granted = retry
                ? engine.retrying("renew", name, () -> engine.backend.renew(name, l.token, leaseMillis))
                : engine.backend.renew(name, l.token, leaseMillis);
        if (granted < 0) {
            if (lease == l && l.markLost()) {
                engine.reportLost(name, l.fencingToken);
            }
            return false;
        }
        long validUntil = sentAt + TimeUnit.MILLISECONDS.toNanos(Math.min(granted, leaseMillis));
        l.extendTo(validUntil);
        if (!engine.options.watchdog() && lease == l && !l.isLost()) {
            l.cancelTimer();
            l.setTimer(engine.schedule(() -> expire(l), Math.max(validUntil - System.nanoTime(), 0L), 0L));
        }
        return true;
    }

    /** Renewals of one lease every interval until closed, released or lost. */
    private final class PeriodicRenewal implements AutoRenewal, Runnable {
        private final Lease l;
        private final java.util.concurrent.ScheduledFuture<?> task;
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

    /** Whether threads of this JVM are queued for the lock. */
    public boolean hasQueuedThreads() {
        return local.hasQueuedThreads();
    }

    /** Describes the local state, as {@code ReentrantLock.toString()} does. */
    public String describeState() {
        Thread o = local.owner();
        return o == null ? "[Unlocked]" : "[Locked by thread " + o.getName() + "]";
    }

    /** Called by the back end's watch: the lease may have been released. */
    void signalRelease() {
        releaseSignals.incrementAndGet();
        Thread t = remoteWaiter;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private enum Mode { NO_WAIT, TIMED, UNINTERRUPTIBLE, INTERRUPTIBLE }

    /**
     * Obtains the lease for the local owner. Called with the local lock held once.
     *
     * @return true if the lease is held, false if the deadline passed (NO_WAIT, TIMED)
     */
    private boolean acquireRemote(long deadline, Mode mode) throws InterruptedException {
        Lease current = lease;
        if (current != null) {
            if (current.isValid()) {
                return true;
            }
            dropLease(current);
            engine.releaseQuietly(name, current.token);
        }
        handoffs = 0;
        boolean interrupted = false;
        ReleaseWatch watch = null;
        int failures = 0;
        String token = null;
        try {
            if (courtesyPending) {
                courtesyPending = false;
                long left = courtesyUntil - System.nanoTime();
                if (mode != Mode.NO_WAIT && left > 0) {
                    if (mode == Mode.TIMED) {
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
                AcquireResult result;
                try {
                    result = engine.backend.tryAcquire(name, token, engine.leaseMillis, mode != Mode.NO_WAIT);
                    engine.recordRoundTrip(System.nanoTime() - sentAt);
                    failures = 0;
                } catch (LockBackendException e) {
                    engine.releaseQuietly(name, token);
                    token = null;
                    failures++;
                    if (failures > engine.options.retryCount()
                            || (mode == Mode.TIMED && System.nanoTime() - deadline >= 0)) {
                        throw engine.giveUp("acquire", name, failures, e);
                    }
                    long pause = engine.retryPauseNanos(failures - 1);
                    if (mode == Mode.TIMED) {
                        pause = Math.min(pause, Math.max(deadline - System.nanoTime(), 0L));
                    }
                    interrupted |= park(releaseSignals.get(), pause, mode);
                    continue;
                }
                if (result.isAcquired()) {
                    installLease(new Lease(token, result.fencingToken(), sentAt + engine.leaseNanos));
                    token = null;
                    return true;
                }
                if (mode == Mode.NO_WAIT) {
                    return false;
                }
                long now = System.nanoTime();
                if (mode == Mode.TIMED && now - deadline >= 0) {
                    return false;
                }
                if (watch == null) {
                    watch = engine.backend.watch(name, this::signalRelease);
                    continue;
                }
                long holder = result.holderLeaseMillis();
                long wait = holder >= 0
                        ? TimeUnit.MILLISECONDS.toNanos(holder) + EXPIRY_MARGIN_NANOS
                        : UNKNOWN_LEASE_RECHECK_NANOS;
                if (!watch.isActive()) {
                    wait = Math.min(wait, INACTIVE_RECHECK_NANOS);
                }
                if (mode == Mode.TIMED) {
                    wait = Math.min(wait, deadline - now);
                }
                interrupted |= park(seen, wait, mode);
            }
        } finally {
            if (token != null) {
                engine.backend.cancel(name, token);
            }
            if (watch != null) {
                watch.close();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Parks until a release signal newer than {@code seen}, the time runs out or an interrupt.
     *
     * @return true if an interrupt was swallowed (uninterruptible modes)
     * @throws InterruptedException if interrupted in an interruptible mode
     */
    private boolean park(long seen, long nanos, Mode mode) throws InterruptedException {
        boolean interrupted = false;
        long end = System.nanoTime() + nanos;
        remoteWaiter = Thread.currentThread();
        try {
            for (long left = nanos; left > 0 && releaseSignals.get() == seen; left = end - System.nanoTime()) {
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    if (mode == Mode.INTERRUPTIBLE || mode == Mode.TIMED) {
                        throw new InterruptedException();
                    }
                    interrupted = true;
                }
            }
        } finally {
            remoteWaiter = null;
        }
        return interrupted;
    }

    private void installLease(Lease l) {
        lease = l;
        engine.registerHeld(this);
        if (engine.options.watchdog()) {
            long period = engine.options.renewInterval().toNanos();
            l.setTimer(engine.schedule(() -> renewOnce(l), period, period));
        } else {
            l.setTimer(engine.schedule(() -> expire(l), engine.leaseNanos, 0L));
        }
    }

    private void dropLease(Lease l) {
        lease = null;
        l.cancelTimer();
        engine.unregisterHeld(this);
    }

    /** Leaves after failing to get the lease: unlocks locally and gives back an unowned lease. */
    private void leaveWithoutLock() {
        local.unlock();
        releaseIdleLease();
    }

    /** Gives a kept lease back to the server when no local thread will use it. */
    private void releaseIdleLease() {
        if (lease == null || !local.tryLock()) {
            return;
        }
        try {
            Lease l = lease;
            if (l != null && local.getHoldCount() == 1 && !local.hasQueuedThreads()) {
                dropLease(l);
                engine.releaseQuietly(name, l.token);
            }
        } finally {
            local.unlock();
        }
    }

    /**
     * Watchdog and auto-renewal task: one renewal of a current lease to the configured lease
     * time. A failure to reach the server costs the lease only once its last confirmed expiry
     * has passed.
     */
    private void renewOnce(Lease l) {
        if (lease != l || l.isLost()) {
            return;
        }
        try {
            renewLease(l, engine.leaseMillis, false);
        } catch (LockBackendException e) {
            if (l.hasRunOut() && lease == l && l.markLost()) {
                engine.reportLost(name, l.fencingToken);
            }
        }
    }

    /** Fixed-lease task: the lease has run out while the lock is still held. */
    private void expire(Lease l) {
        if (lease == l && l.markLost()) {
            engine.reportLost(name, l.fencingToken);
        }
    }

    /** Called by the engine on close: the held lease is lost and given back. */
    void abandon() {
        Lease l = lease;
        if (l != null && l.markLost()) {
            engine.reportLost(name, l.fencingToken);
            engine.releaseQuietly(name, l.token);
        }
    }

    /** A ReentrantLock that tells who owns it, for toString. */
    private static final class LocalLock extends ReentrantLock {
        private static final long serialVersionUID = 1L;

        Thread owner() {
            return getOwner();
        }
    }
}
