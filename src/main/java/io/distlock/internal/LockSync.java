package io.distlock.internal;

import io.distlock.LockInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;

/**
 * The exclusive lock of one name in one engine: its local lock and lease slot, and the local
 * hand-over of a lease between threads of this JVM. The acquisition skeleton is
 * {@link HoldSync}'s.
 *
 * <pre>
 * A JVM-local ReentrantLock (the lock object's own synchronizer, see LockObjectBinding) orders the threads
 * of this JVM: it gives the local queue, the hold count, reentrancy, timeouts and interrupts of
 * the local part. The thread that owns it (hold count 1) is the only one that talks to the server
 * for this name, through the name's ServerLease.
 *
 * Local hand-over (non-fair): on the final unlock the lease is kept for a queued local thread (at
 * most maxLocalHandoffs times in a row, and only with the watchdog on, so that every holder gets a
 * renewed lease) instead of being released on the server. Each thread that takes a kept lease
 * becomes the next holder of the lease's chain and gets the next fencing token of it (handoffs
 * counts them), so consecutive holders never share a token. A thread that leaves the local queue
 * without the lock (timeout, interrupt) may leave a kept lease without owner; releaseIdleLease()
 * gives such a lease back, and both the unlocking thread and the leaving thread call it, so
 * whichever comes last sees the queue empty.
 *
 * Fair mode: every thread that must wait queues on the server with a slot of its own before it
 * touches the local lock (FairAcquisition), and its slot becomes the name's slot until its final
 * unlock.
 *
 * Fields: slot is written by the local owner only (a fair acquisition installs its own);
 * handoffs is guarded by the local lock; fairWaiters and leaseless by the threads themselves.
 * </pre>
 */
public final class LockSync extends HoldSync {

    private final LocalMutex local;
    /**
     * The lease slot of the name: always the same one, except in fair mode, where each waiting
     * thread has its own and the local owner installs it here.
     */
    private volatile ServerLease slot;
    /** Fair mode: threads of this JVM waiting in the server's queue. */
    private final Set<Thread> fairWaiters = ConcurrentHashMap.newKeySet();
    /** Fair mode: threads of this JVM waiting for the local lock, or holding it, without a lease. */
    private final Set<Thread> leaseless = ConcurrentHashMap.newKeySet();
    /**
     * Consecutive local hand-overs of the current lease, which is also the number of its current
     * holder in the lease's chain; guarded by local.
     */
    private int handoffs;
    private final Conditions conditions;

    LockSync(LockEngine engine, String name, LocalMutex local) {
        super(engine, name);
        this.local = local;
        this.slot = new ServerLease(engine, engine.backend, name, this);
        this.conditions = new Conditions(this, () -> slot, () -> handoffs = 0,
                t -> fairWaiters.contains(t) || local.queuedThreads().contains(t));
    }

    // ---- the local lock ------------------------------------------------------------------------

    @Override
    Lock localPart() {
        return local;
    }

    @Override
    int holds() {
        return local.holdCount();
    }

    @Override
    boolean locallyBusy() {
        return local.owner() != null;
    }

    @Override
    boolean localQueueNotEmpty() {
        return local.hasQueuedThreads();
    }

    // ---- slots ---------------------------------------------------------------------------------

    @Override
    ServerLease slotForAcquire() {
        return slot;
    }

    @Override
    ServerLease heldSlot() {
        return slot;
    }

    @Override
    ServerLease newFairSlot() {
        return new ServerLease(engine, engine.backend, name, this);
    }

    @Override
    boolean localHolderLeaseless() {
        Lease held = slot.lease();
        return held != null && held.isLost();
    }

    @Override
    void installFair(ServerLease granted) {
        handoffs = 0;
        slot = granted;
    }

    @Override
    Set<Thread> fairWaiters() {
        return fairWaiters;
    }

    @Override
    Set<Thread> leaseless() {
        return leaseless;
    }

    @Override
    String notHeldMessage() {
        return "current thread does not hold lock '" + name + "'";
    }

    @Override
    Conditions conditions() {
        return conditions;
    }

    // ---- local hand-over -----------------------------------------------------------------------

    @Override
    boolean takeKeptLease(long start) {
        if (handoffs > 0 && slot.hasValidLease()) {
            slot.takeOver(handoffs);
            if (slot.hasValidLease()) {
                slot.heldSince(engine.events.acquired(name, start, true, true));
                return true;
            }
            // lost between the check and the take-over: acquired afresh (acquire gives it up first)
        }
        handoffs = 0;
        return false;
    }

    @Override
    boolean keepForHandOver(ServerLease held, Lease l) {
        // a lease with a term of its own (holdFor) is the holder's alone: the next holder gets a
        // lease of the factory's lease time
        if (!l.isLost() && !l.hasTerm() && engine.options.watchdog()
                && handoffs < engine.options.maxLocalHandoffs() && local.hasQueuedThreads() && l.isValid()) {
            handoffs++;
            held.keepForHandOver();
            return true;
        }
        return false;
    }

    @Override
    void afterKeptForHandOver() {
        if (!local.hasQueuedThreads()) {
            releaseIdleLease(true);
        }
    }

    @Override
    void leftWithoutLock() {
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

    // ---- inspection ----------------------------------------------------------------------------

    @Override
    public boolean isLocked() {
        return slot.isLocked();
    }

    @Override
    public boolean hasQueuedThreads() {
        return local.hasQueuedThreads() || !fairWaiters.isEmpty();
    }

    /** The name's lease slot (for the engine's stress tests). */
    ServerLease slot() {
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
    public Collection<Thread> queuedThreads() {
        if (fairWaiters.isEmpty()) {
            return local.queuedThreads();
        }
        List<Thread> all = new ArrayList<>(local.queuedThreads());
        all.addAll(fairWaiters);
        return all;
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

    @Override
    public String toString() {
        return "lock";
    }
}
