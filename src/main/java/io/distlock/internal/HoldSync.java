package io.distlock.internal;

import io.distlock.AutoRenewal;
import io.distlock.LockInfo;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * One kind of hold on a lock name in one engine (the exclusive lock, or the write or the read
 * side of a read/write lock), with the acquisition and release skeleton written once for every
 * kind; the public lock classes delegate to it.
 *
 * <pre>
 * The shape is the JDK's: AbstractQueuedSynchronizer owns one acquire loop with modes and leaves
 * tryAcquire / tryRelease to its subclasses; here the skeleton owns the order of the steps and a
 * kind supplies its local lock (the JVM-local ReentrantLock or one side of the local
 * ReentrantReadWriteLock, which orders this JVM's threads and counts holds) and its lease slots
 * (the name's slot, the write slot, or each reader's own). Fairness is a type chosen at
 * construction (Fairness.FAIR / Fairness.NONFAIR), as ReentrantLock chooses FairSync or
 * NonfairSync, never a flag re-tested in the steps.
 *
 * Acquire (lock, lockInterruptibly, tryLock, tryLock(time, unit), and a condition's
 * re-acquisition through lock()):
 *   1. a first hold of a fair lock that waits goes to the server's queue first (FairAcquisition)
 *      and takes the local lock once granted;
 *   2. otherwise the local lock is taken the way the mode waits; a re-entrant hold is local and
 *      allowed only while the hold's lease is good (ServerLease.confirmHold);
 *   3. a first hold takes a lease kept for it by the previous local holder (the exclusive lock,
 *      non-fair) or acquires one (AcquireLoop); failing that, the local lock is given back.
 * Release (unlock): the last hold keeps the lease for a queued local thread (the exclusive lock,
 * non-fair) or releases it on the server; if other JVMs listen for the release while local
 * threads are queued, the next local acquisition first gives them a courtesy window (non-fair).
 *
 * Who writes what: a kind's slots are written by the thread that holds (or is acquiring) its
 * local lock; the fair waiter sets by the waiting threads themselves.
 * </pre>
 */
public abstract class HoldSync {

    final LockEngine engine;
    final String name;
    final Fairness fairness;

    HoldSync(LockEngine engine, String name) {
        this.engine = engine;
        this.name = name;
        this.fairness = engine.options.fair() ? Fairness.FAIR : Fairness.NONFAIR;
    }

    // ---- what a kind of hold supplies ----------------------------------------------------------

    /** The local lock (a ReentrantLock or a side of a ReentrantReadWriteLock): orders threads, counts holds. */
    abstract Lock localPart();

    /** The local lock's {@code lock()}. */
    final void localLock() {
        localPart().lock();
    }

    /** The local lock's {@code unlock()}. */
    final void localUnlock() {
        localPart().unlock();
    }

    /** The current thread's local holds of this kind. */
    abstract int holds();

    /** Whether another thread of this JVM holds or waits for the local lock (for the observers). */
    abstract boolean locallyBusy();

    /** Whether threads of this JVM wait in the local lock's queue. */
    abstract boolean localQueueNotEmpty();

    /** The slot to acquire a lease with, for the current thread's first hold. */
    abstract ServerLease slotForAcquire();

    /** The slot of the current thread's hold, or null if it has none. */
    abstract ServerLease heldSlot();

    /** Forgets the current thread's slot after a failed acquisition or the final release. */
    void forget(ServerLease slot) {
    }

    /**
     * Refuses what would dead-lock (a read holder asking for the write lock): false, or
     * IllegalMonitorStateException if {@code refuseByException}.
     */
    boolean mayAcquire(boolean refuseByException) {
        return true;
    }

    /** Whether the current thread's first hold is a write holder's read (never queued behind writers). */
    boolean isDowngrade() {
        return false;
    }

    /** Fair mode: a new slot for the current thread's place in the server's queue. */
    abstract ServerLease newFairSlot();

    /** Fair mode: whether a local holder the current thread waits for holds no valid lease. */
    abstract boolean localHolderLeaseless();

    /** Fair mode: makes {@code granted} the slot of the current thread's hold (it holds the local lock). */
    abstract void installFair(ServerLease granted);

    /** Fair mode: the threads of this JVM waiting in the server's queue for this kind of hold. */
    abstract Set<Thread> fairWaiters();

    /**
     * Fair mode: this JVM's threads waiting for, or holding, the name's local lock without a lease
     * (one set shared by both sides of a read/write lock).
     */
    abstract Set<Thread> leaseless();

    /**
     * How {@code tryLock(time, unit)} with no time left tries the server: as the fairness says; a
     * read/write side always tries in turn, its back end saying what that means for each side.
     */
    AcquireMode noTimeLeftMode() {
        return fairness.noTimeLeftMode();
    }

    /** The message of IllegalMonitorStateException when the current thread does not hold it. */
    abstract String notHeldMessage();

    /** The conditions of this kind of hold, or null if it has none (a read lock). */
    Conditions conditions() {
        return null;
    }

    // ---- local hand-over (the exclusive lock overrides these) ----------------------------------

    /** Takes a lease the previous local holder kept, as the next holder of its chain; false if none. */
    boolean takeKeptLease(long start) {
        return false;
    }

    /** Non-fair: whether the final unlock keeps {@code l} for a queued local thread (it then did). */
    boolean keepForHandOver(ServerLease slot, Lease l) {
        return false;
    }

    /** Called after the final unlock that kept its lease, once the local lock is free. */
    void afterKeptForHandOver() {
    }

    /**
     * Called when the current thread leaves the local queue, or the local lock, without the
     * distributed lock (a timeout, an interrupt, a failed acquisition): a lease kept for a
     * hand-over that no local thread will take is given back.
     */
    void leftWithoutLock() {
    }

    // ---- the skeleton --------------------------------------------------------------------------

    /** The lock name. */
    public final String name() {
        return name;
    }

    /** See {@link io.distlock.DistributedLock#lock()}. */
    public final void lock() {
        try {
            acquire(AcquireMode.UNINTERRUPTIBLE, 0L, 0L, false);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /** See {@link io.distlock.DistributedLock#lockInterruptibly()}. */
    public final void lockInterruptibly() throws InterruptedException {
        acquire(AcquireMode.INTERRUPTIBLE, 0L, 0L, false);
    }

    /** See {@link io.distlock.DistributedLock#tryLock()}: barges, on a fair lock too, as the JDK's does. */
    public final boolean tryLock() {
        try {
            return acquire(AcquireMode.NO_WAIT, 0L, 0L, false);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /**
     * See {@link io.distlock.DistributedLock#tryLock(long, TimeUnit)}; with no time left, a fair
     * lock takes the lock only if nobody is queued before it, and never queues.
     */
    public final boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        if (unit == null) {
            throw new NullPointerException("unit");
        }
        engine.checkOpen();
        long timeoutNanos = Math.max(unit.toNanos(time), 0L);
        long deadline = System.nanoTime() + timeoutNanos;
        return acquire(timeoutNanos > 0 ? AcquireMode.TIMED : noTimeLeftMode(), deadline, timeoutNanos, true);
    }

    /**
     * The acquisition skeleton.
     *
     * @param timedCall whether this is {@code tryLock(time, unit)}: its local lock is tried with
     *        the time given (honouring a fair local queue), where {@code tryLock()} barges
     */
    private boolean acquire(AcquireMode mode, long deadline, long timeoutNanos, boolean timedCall)
            throws InterruptedException {
        engine.checkOpen();
        boolean waits = !mode.noWait();
        if (waits && !timedCall) {
            mayAcquire(true);
        }
        long start = engine.events.start();
        try {
            if (waits && fairness.serverFirst(this) && mayAcquire(false)) {
                if (mode.interruptible() && Thread.interrupted()) {
                    throw new InterruptedException();
                }
                boolean acquired = FairAcquisition.acquire(this, deadline, mode, start);
                if (!acquired) {
                    engine.events.acquireFailed(name, start);
                }
                return acquired;
            }
            boolean busy = (waits || timedCall) && start != LockEvents.OFF && locallyBusy();
            boolean locked;
            try {
                locked = mayAcquire(false) && takeLocal(mode, timeoutNanos, timedCall);
            } catch (InterruptedException e) {
                leftWithoutLock();
                throw e;
            }
            if (!locked) {
                if (timedCall) {
                    leftWithoutLock();
                }
                engine.events.acquireFailed(name, start);
                return false;
            }
            if (holds() > 1) {
                reenter();
                return true;
            }
            return lease(deadline, mode, start, busy);
        } catch (RuntimeException | InterruptedException e) {
            engine.events.acquireError(name, start, e);
            throw e;
        }
    }

    /** Takes the local lock the way {@code mode} waits ({@code tryLock()} barges). */
    private boolean takeLocal(AcquireMode mode, long timeoutNanos, boolean timedCall) throws InterruptedException {
        switch (mode) {
            case UNINTERRUPTIBLE:
                localLock();
                return true;
            case INTERRUPTIBLE:
                localPart().lockInterruptibly();
                return true;
            default:
                return timedCall ? localPart().tryLock(timeoutNanos, TimeUnit.NANOSECONDS) : localPart().tryLock();
        }
    }

    /**
     * Completes a re-entrant acquisition (the local hold count just went above one): allowed only
     * while the hold's lease is good (see ServerLease.confirmHold). A hold taken on the local lock
     * without the engine (through a JDK lock object built over the distributed one) has no lease.
     * Otherwise the new local hold is undone and the refusal thrown.
     */
    private void reenter() {
        ServerLease slot = heldSlot();
        try {
            if (slot == null) {
                throw new IllegalMonitorStateException("the " + this + " of '" + name
                        + "' is held locally without a lease: it was locked through a JDK lock object built over "
                        + "the distributed lock, which the distributed lock does not support");
            }
            slot.confirmHold();
        } catch (IllegalMonitorStateException e) {
            localUnlock();
            throw e;
        }
    }

    /**
     * The first hold's lease: one kept for a local hand-over, or a new one; without it the local
     * lock is given back.
     */
    private boolean lease(long deadline, AcquireMode mode, long start, boolean busy) throws InterruptedException {
        if (takeKeptLease(start)) {
            return true;
        }
        ServerLease slot = slotForAcquire();
        boolean acquired = false;
        try {
            acquired = slot.acquire(deadline, mode);
        } finally {
            if (!acquired) {
                forget(slot);
                localUnlock();
                leftWithoutLock();
            }
        }
        if (acquired) {
            slot.heldSince(engine.events.acquired(name, start, busy || slot.lastAcquireContended(), false));
        } else {
            engine.events.acquireFailed(name, start);
        }
        return acquired;
    }

    /** See {@link io.distlock.DistributedLock#unlock()}. */
    public final void unlock() {
        if (holds() == 0) {
            throw new IllegalMonitorStateException(notHeldMessage());
        }
        if (holds() > 1) {
            localUnlock();
            return;
        }
        ServerLease slot = heldSlot();
        long since = slot == null ? LockEvents.OFF : slot.takeHeldSince();
        boolean kept = false;
        try {
            Lease l = slot == null ? null : slot.lease();
            if (l == null) {
                return;
            }
            if (fairness.letsOtherJvmsIn() && keepForHandOver(slot, l)) {
                kept = true;
                return;
            }
            boolean othersListen = slot.release();
            if (fairness.letsOtherJvmsIn() && othersListen && localQueueNotEmpty()) {
                slot.requestCourtesy();
            }
        } finally {
            forget(slot);
            localUnlock();
            if (kept) {
                afterKeptForHandOver();
            }
            engine.events.released(name, since);
        }
    }

    /** See {@link io.distlock.DistributedLock#getHoldCount()}. */
    public final int getHoldCount() {
        return holds();
    }

    /** See {@link io.distlock.DistributedLock#isHeldByCurrentThread()}. */
    public final boolean isHeldByCurrentThread() {
        if (holds() == 0) {
            return false;
        }
        ServerLease slot = heldSlot();
        return slot != null && slot.hasValidLease();
    }

    /** The current thread's slot; IllegalMonitorStateException if it does not hold this kind of lock. */
    final ServerLease requireHeld() {
        ServerLease slot = heldSlot();
        if (holds() == 0 || slot == null) {
            throw new IllegalMonitorStateException(notHeldMessage());
        }
        return slot;
    }

    /** See {@link io.distlock.DistributedLock#getFencingToken()}. */
    public final long getFencingToken() {
        return requireHeld().heldLeaseOrLost().fencingToken();
    }

    /** See {@link io.distlock.DistributedLock#renew(Duration)}. */
    public final void renew(Duration leaseTime) {
        requireHeld().renewal().renew(leaseTime);
    }

    /** See {@link io.distlock.DistributedLock#holdFor(Duration)}. */
    public final void holdFor(Duration leaseTime) {
        requireHeld().renewal().holdFor(leaseTime);
    }

    /** See {@link io.distlock.DistributedLock#autoRenew(Duration)}. */
    public final AutoRenewal autoRenew(Duration interval) {
        return requireHeld().renewal().autoRenew(interval);
    }

    /** See {@link io.distlock.DistributedLock#isLocked()}: asks the server. */
    public abstract boolean isLocked();

    /** See {@link io.distlock.DistributedLock#info()}. */
    public abstract LockInfo info();

    /** See {@link io.distlock.DistributedLock#hasQueuedThreads()}. */
    public abstract boolean hasQueuedThreads();

    /**
     * The thread of this JVM that holds the lock with a valid lease, or null (a thread that
     * waits for the server, or whose lease is lost, is no owner). For the read side: null.
     */
    public abstract Thread owner();

    /** The local state in the style of {@code ReentrantLock.toString()}'s suffix. */
    public abstract String describeState();

    // ---- conditions ----------------------------------------------------------------------------

    /**
     * The condition of this lock with the given name, shared by every JVM (see
     * {@link io.distlock.DistributedLock#newCondition(String)}).
     */
    public final Condition newCondition(String conditionName) {
        Conditions c = conditions();
        if (c == null) {
            throw new UnsupportedOperationException("the " + this + " of '" + name + "' has no conditions");
        }
        return c.newCondition(conditionName);
    }

    /** See {@link java.util.concurrent.locks.ReentrantLock#hasWaiters}; asks the server. */
    public final boolean hasWaiters(Condition condition) {
        return ownConditions(condition).hasWaiters(condition);
    }

    /** See {@link java.util.concurrent.locks.ReentrantLock#getWaitQueueLength}; asks the server. */
    public final int getWaitQueueLength(Condition condition) {
        return ownConditions(condition).getWaitQueueLength(condition);
    }

    /** The threads of this JVM awaiting the condition. */
    public final Collection<Thread> getWaitingThreads(Condition condition) {
        return ownConditions(condition).getWaitingThreads(condition);
    }

    private Conditions ownConditions(Condition condition) {
        java.util.Objects.requireNonNull(condition, "condition");
        Conditions c = conditions();
        if (c == null) {
            throw new IllegalArgumentException("the condition was not created by the " + this + " of '" + name + "'");
        }
        return c;
    }
}
