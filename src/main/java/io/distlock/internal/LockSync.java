package io.distlock.internal;

import io.distlock.AutoRenewal;
import io.distlock.LockInfo;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The algorithm behind one exclusive lock name in one engine.
 *
 * <pre>
 * Overview
 *
 * A JVM-local ReentrantLock orders the threads of this JVM: it gives the local queue, the hold
 * count, reentrancy, timeouts and interrupts of the local part. The thread that owns it (hold
 * count 1) is the only one that talks to the server for this name, through the name's LeaseSlot:
 *
 *   - if the JVM already has a valid lease (the previous local owner handed the lock over), it
 *     takes it as it is: no network call;
 *   - otherwise the slot runs the acquire loop.
 *
 * On the final unlock the lease is either kept for a queued local thread (at most
 * maxLocalHandoffs times in a row, and only with the watchdog on, so that every holder gets a
 * renewed lease) or released on the server. Each thread that takes a kept lease becomes the next
 * holder of the lease's chain and gets the next fencing token of it (handoffs counts them), so
 * consecutive holders never share a token. When it is released while local threads are still
 * queued and the back end says other processes listen for the release, the next local owner
 * first waits a courtesy window of a few round trips: a waiter in another JVM needs one hop to
 * hear the announcement and one round trip to acquire, while the local thread could try at once
 * and would win every time, starving other JVMs.
 *
 * A thread that leaves the local queue without the lock (timeout, interrupt) may leave a kept
 * lease without owner; releaseIdleLease() gives such a lease back, and both the unlocking thread
 * and the leaving thread call it, so whichever comes last sees the queue empty.
 *
 * Fair mode (LockOptions.fair): the server's queue is the only queue (FairAcquisition): every
 * thread that must wait queues on the server with a slot of its own before it touches the local
 * lock, and its slot becomes the name's slot until its final unlock. No lease is kept for a
 * local hand-over and no courtesy window is needed. tryLock() takes a free lock at once, as
 * ReentrantLock.tryLock() does on a fair lock; tryLock(0, unit) honours the queue.
 * </pre>
 */
public final class LockSync implements SyncOps {

    private final LockEngine engine;
    private final String name;
    private final LocalMutex local;
    /**
     * The lease slot of the name: always the same one, except in fair mode, where each waiting
     * thread has its own and the local owner installs it here (written by the local owner only).
     */
    private volatile LeaseSlot slot;
    private final boolean fair;
    /** Fair mode: threads of this JVM waiting in the server's queue. */
    private final java.util.Set<Thread> fairWaiters = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Fair mode: threads of this JVM waiting for the local lock, or holding it, without a lease. */
    private final java.util.Set<Thread> leaseless = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * Consecutive local hand-overs of the current lease, which is also the number of its current
     * holder in the lease's chain; guarded by local.
     */
    private int handoffs;

    LockSync(LockEngine engine, String name, LocalMutex local) {
        this.engine = engine;
        this.name = name;
        this.local = local;
        this.slot = new LeaseSlot(engine, engine.backend, name, this);
        this.fair = engine.options.fair();
        this.conditions = newConditions();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void lock() {
        engine.checkOpen();
        long start = engine.events.start();
        try {
            lock(start);
        } catch (RuntimeException e) {
            engine.events.acquireError(name, start, e);
            throw e;
        }
    }

    private void lock(long start) {
        if (fair && !local.isHeldByCurrentThread()) {
            try {
                fairAcquire(0L, AcquireMode.UNINTERRUPTIBLE, start);
            } catch (InterruptedException impossible) {
                throw new AssertionError(impossible);
            }
            return;
        }
        boolean busy = start != LockEvents.OFF && local.owner() != null;
        local.lock();
        if (local.holdCount() > 1) {
            reenter();
            return;
        }
        boolean acquired = false;
        try {
            acquired = obtainLease(0L, AcquireMode.UNINTERRUPTIBLE, start, busy);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        } finally {
            if (!acquired) {
                leaveWithoutLock();
            }
        }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        engine.checkOpen();
        long start = engine.events.start();
        try {
            lockInterruptibly(start);
        } catch (RuntimeException | InterruptedException e) {
            engine.events.acquireError(name, start, e);
            throw e;
        }
    }

    private void lockInterruptibly(long start) throws InterruptedException {
        if (fair && !local.isHeldByCurrentThread()) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            fairAcquire(0L, AcquireMode.INTERRUPTIBLE, start);
            return;
        }
        boolean busy = start != LockEvents.OFF && local.owner() != null;
        try {
            local.lockInterruptibly();
        } catch (InterruptedException e) {
            releaseIdleLease();
            throw e;
        }
        if (local.holdCount() > 1) {
            reenter();
            return;
        }
        boolean acquired = false;
        try {
            acquired = obtainLease(0L, AcquireMode.INTERRUPTIBLE, start, busy);
        } finally {
            if (!acquired) {
                leaveWithoutLock();
            }
        }
    }

    @Override
    public boolean tryLock() {
        engine.checkOpen();
        long start = engine.events.start();
        try {
            return tryLock(start);
        } catch (RuntimeException e) {
            engine.events.acquireError(name, start, e);
            throw e;
        }
    }

    private boolean tryLock(long start) {
        if (!local.tryLock()) {
            engine.events.acquireFailed(name, start);
            return false;
        }
        if (local.holdCount() > 1) {
            reenter();
            return true;
        }
        boolean acquired = false;
        try {
            acquired = obtainLease(0L, AcquireMode.NO_WAIT, start, false);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        } finally {
            if (!acquired) {
                leaveWithoutLock();
            }
        }
        if (!acquired) {
            engine.events.acquireFailed(name, start);
        }
        return acquired;
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        if (unit == null) {
            throw new NullPointerException("unit");
        }
        engine.checkOpen();
        long timeoutNanos = Math.max(unit.toNanos(time), 0L);
        long deadline = System.nanoTime() + timeoutNanos;
        long start = engine.events.start();
        try {
            return tryLock(timeoutNanos, deadline, start);
        } catch (RuntimeException | InterruptedException e) {
            engine.events.acquireError(name, start, e);
            throw e;
        }
    }

    private boolean tryLock(long timeoutNanos, long deadline, long start) throws InterruptedException {
        if (fair && timeoutNanos > 0 && !local.isHeldByCurrentThread()) {
            return FairAcquisition.acquireTimed(engine, name, fairSide, fairWaiters, leaseless, deadline, start);
        }
        boolean busy = start != LockEvents.OFF && local.owner() != null;
        boolean locked;
        try {
            locked = local.tryLock(timeoutNanos);
        } catch (InterruptedException e) {
            releaseIdleLease();
            throw e;
        }
        if (!locked) {
            releaseIdleLease();
            engine.events.acquireFailed(name, start);
            return false;
        }
        if (local.holdCount() > 1) {
            reenter();
            return true;
        }
        boolean acquired = false;
        try {
            // a fair lock's tryLock(0) takes the lock only if nobody is queued, and never queues
            acquired = obtainLease(deadline, timeoutNanos > 0 ? AcquireMode.TIMED
                    : fair ? AcquireMode.NO_WAIT_IN_TURN : AcquireMode.NO_WAIT, start, busy);
        } finally {
            if (!acquired) {
                leaveWithoutLock();
            }
        }
        if (!acquired) {
            engine.events.acquireFailed(name, start);
        }
        return acquired;
    }

    /**
     * Fair mode: waits for this thread's turn in the server's queue with a lease slot of its
     * own, then takes the local lock and makes the slot the name's (see FairAcquisition).
     */
    private boolean fairAcquire(long deadline, AcquireMode mode, long start) throws InterruptedException {
        return FairAcquisition.acquire(engine, name, fairSide, fairWaiters, leaseless, deadline, mode, start);
    }

    /** The local side of a fair acquisition: the local lock, and the name's slot. */
    private final FairAcquisition.Side fairSide = new FairAcquisition.Side() {
        @Override
        public LeaseSlot newSlot() {
            return new LeaseSlot(engine, engine.backend, name, LockSync.this);
        }

        @Override
        public boolean tryLocal(long nanos) throws InterruptedException {
            return local.tryLock(nanos);
        }

        @Override
        public boolean lockLocal(long deadline, AcquireMode mode) throws InterruptedException {
            return FairAcquisition.lockLocally(local, deadline, mode);
        }

        @Override
        public void unlockLocal() {
            local.unlock();
        }

        @Override
        public boolean localHolderLeaseless() {
            Lease held = slot.lease();
            return held != null && held.isLost();
        }

        @Override
        public void install(LeaseSlot granted) {
            handoffs = 0;
            slot = granted;
        }
    };

    /**
     * Takes a lease handed over by the previous local owner (with the next fencing token of the
     * lease's chain), or acquires one; tells the observers of an acquisition started at
     * {@code start} that waited locally if {@code busy}.
     */
    private boolean obtainLease(long deadline, AcquireMode mode, long start, boolean busy)
            throws InterruptedException {
        if (handoffs > 0 && slot.hasValidLease()) {
            slot.takeOver(handoffs);
            if (slot.hasValidLease()) {
                slot.heldSince(engine.events.acquired(name, start, true, true));
                return true;
            }
            // lost between the check and the take-over: acquired afresh (acquire gives it up first)
        }
        handoffs = 0;
        boolean acquired = slot.acquire(deadline, mode);
        if (acquired) {
            slot.heldSince(engine.events.acquired(name, start, busy || slot.lastAcquireContended(), false));
        }
        return acquired;
    }

    @Override
    public void unlock() {
        if (!local.isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException("current thread does not hold lock '" + name + "'");
        }
        if (local.holdCount() > 1) {
            local.unlock();
            return;
        }
        long since = slot.takeHeldSince();
        Lease l = slot.lease();
        boolean keptForHandoff = false;
        try {
            if (l == null) {
                return;
            }
            // a lease with a term of its own (holdFor) is the holder's alone: the next holder gets
            // a lease of the factory's lease time
            if (!fair && !l.isLost() && !l.hasTerm() && engine.options.watchdog()
                    && handoffs < engine.options.maxLocalHandoffs() && local.hasQueuedThreads() && l.isValid()) {
                handoffs++;
                slot.keepForHandOver();
                keptForHandoff = true;
                return;
            }
            boolean othersListen = slot.release();
            if (!fair && othersListen && local.hasQueuedThreads()) {
                slot.requestCourtesy();
            }
        } finally {
            local.unlock();
            if (keptForHandoff && !local.hasQueuedThreads()) {
                releaseIdleLease(true);
            }
            engine.events.released(name, since);
        }
    }

    /**
     * Completes a re-entrant acquisition (the local hold count just went above one): allowed
     * only while the hold's lease is good; otherwise the new local hold is undone and the loss
     * thrown (see LeaseSlot.confirmHold).
     */
    private void reenter() {
        try {
            slot.confirmHold();
        } catch (IllegalMonitorStateException e) {
            local.unlock();
            throw e;
        }
    }

    /** Leaves after failing to get the lease: unlocks locally and gives back an unowned lease. */
    private void leaveWithoutLock() {
        local.unlock();
        releaseIdleLease(false);
    }

    private void releaseIdleLease() {
        releaseIdleLease(false);
    }

    /**
     * Gives a kept lease back to the server when no local thread will use it: now if the caller
     * is unlocking, in the background if it is a waiter giving up (whose deadline may be past).
     */
    private void releaseIdleLease(boolean now) {
        if (slot.lease() == null || !local.tryLock()) {
            return;
        }
        try {
            if (local.holdCount() == 1 && !local.hasQueuedThreads()) {
                slot.releaseIdle(now);
            }
        } finally {
            local.unlock();
        }
    }

    @Override
    public int getHoldCount() {
        return local.holdCount();
    }

    @Override
    public boolean isHeldByCurrentThread() {
        return local.isHeldByCurrentThread() && slot.hasValidLease();
    }

    @Override
    public boolean isLocked() {
        return slot.isLocked();
    }

    @Override
    public long getFencingToken() {
        requireHeld();
        return slot.heldLeaseOrLost().fencingToken();
    }

    @Override
    public boolean hasQueuedThreads() {
        return local.hasQueuedThreads() || !fairWaiters.isEmpty();
    }

    // ---- conditions ---------------------------------------------------------------------

    private final Conditions conditions;

    /** The conditions of this lock (made by the constructor, once the fields they use are set). */
    private Conditions newConditions() {
        return new Conditions(new Conditions.Host(name, engine, slot) {
            @Override
            LeaseSlot slot() {
                return slot;
            }

            @Override
            String notHeld() {
                return "current thread does not hold lock '" + name + "'";
            }

            @Override
            boolean heldLocally() {
                return local.isHeldByCurrentThread();
            }

            @Override
            int holds() {
                return local.holdCount();
            }

            @Override
            void lockLocally() {
                local.lock();
            }

            @Override
            void unlockLocally() {
                local.unlock();
            }

            @Override
            void lockWithLease() {
                lock();
            }

            @Override
            void leaseGone() {
                // nothing is kept for a local hand-over
                handoffs = 0;
            }

            @Override
            boolean queuedForLock(Thread t) {
                return fairWaiters.contains(t) || local.queuedThreads().contains(t);
            }
        });
    }

    @Override
    public java.util.concurrent.locks.Condition newCondition(String conditionName) {
        return conditions.newCondition(conditionName);
    }

    @Override
    public boolean hasWaiters(java.util.concurrent.locks.Condition condition) {
        return conditions.hasWaiters(condition);
    }

    @Override
    public int getWaitQueueLength(java.util.concurrent.locks.Condition condition) {
        return conditions.getWaitQueueLength(condition);
    }

    @Override
    public java.util.Collection<Thread> getWaitingThreads(java.util.concurrent.locks.Condition condition) {
        return conditions.getWaitingThreads(condition);
    }

    /** The name's lease slot (for the engine's stress tests). */
    LeaseSlot slot() {
        return slot;
    }

    /** Threads of this JVM waiting for the local lock (for monitoring). */
    int localQueueLength() {
        return local.queueLength();
    }

    /** An estimate of the number of threads of this JVM waiting for the lock. */
    public int queueLength() {
        return local.queueLength() + fairWaiters.size();
    }

    /**
     * The threads of this JVM waiting for the lock: in the local queue and, for a fair lock, in
     * the server's queue.
     */
    public java.util.Collection<Thread> queuedThreads() {
        if (fairWaiters.isEmpty()) {
            return local.queuedThreads();
        }
        java.util.List<Thread> all = new java.util.ArrayList<>(local.queuedThreads());
        all.addAll(fairWaiters);
        return all;
    }

    @Override
    public void renew(Duration leaseTime) {
        requireHeld();
        slot.renewal().renew(leaseTime);
    }

    @Override
    public void holdFor(Duration leaseTime) {
        requireHeld();
        slot.renewal().holdFor(leaseTime);
    }

    @Override
    public AutoRenewal autoRenew(Duration interval) {
        requireHeld();
        return slot.renewal().autoRenew(interval);
    }

    @Override
    public LockInfo info() {
        return slot.info(local.isHeldByCurrentThread(), isHeldByCurrentThread(), local.holdCount());
    }

    @Override
    public String describeState() {
        Thread o = owner();
        return o == null ? "[Unlocked]" : "[Locked by thread " + o.getName() + "]";
    }

    @Override
    public Thread owner() {
        Thread o = local.owner();
        return o != null && slot.servesThread(o) ? o : null;
    }

    /** The lock object this state belongs to. */
    public Object lockObject() {
        return local.lockObject();
    }

    private void requireHeld() {
        if (!local.isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException("current thread does not hold lock '" + name + "'");
        }
    }
}
