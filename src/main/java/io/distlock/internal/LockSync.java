package io.distlock.internal;

import io.distlock.AutoRenewal;
import io.distlock.LockInfo;
import io.distlock.spi.LeaseSnapshot;
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
 * </pre>
 */
public final class LockSync implements SyncOps {

    private final LockEngine engine;
    private final String name;
    private final LocalMutex local;
    private final LeaseSlot slot;
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
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void lock() {
        engine.checkOpen();
        local.lock();
        if (local.holdCount() > 1) {
            return;
        }
        boolean acquired = false;
        try {
            acquired = obtainLease(0L, AcquireMode.UNINTERRUPTIBLE);
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
        try {
            local.lockInterruptibly();
        } catch (InterruptedException e) {
            releaseIdleLease();
            throw e;
        }
        if (local.holdCount() > 1) {
            return;
        }
        boolean acquired = false;
        try {
            acquired = obtainLease(0L, AcquireMode.INTERRUPTIBLE);
        } finally {
            if (!acquired) {
                leaveWithoutLock();
            }
        }
    }

    @Override
    public boolean tryLock() {
        engine.checkOpen();
        if (!local.tryLock()) {
            return false;
        }
        if (local.holdCount() > 1) {
            return true;
        }
        boolean acquired = false;
        try {
            acquired = obtainLease(0L, AcquireMode.NO_WAIT);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        } finally {
            if (!acquired) {
                leaveWithoutLock();
            }
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
        boolean locked;
        try {
            locked = local.tryLock(timeoutNanos);
        } catch (InterruptedException e) {
            releaseIdleLease();
            throw e;
        }
        if (!locked) {
            releaseIdleLease();
            return false;
        }
        if (local.holdCount() > 1) {
            return true;
        }
        boolean acquired = false;
        try {
            acquired = obtainLease(deadline, timeoutNanos > 0 ? AcquireMode.TIMED : AcquireMode.NO_WAIT);
        } finally {
            if (!acquired) {
                leaveWithoutLock();
            }
        }
        return acquired;
    }

    /**
     * Takes a lease handed over by the previous local owner (with the next fencing token of the
     * lease's chain), or acquires one.
     */
    private boolean obtainLease(long deadline, AcquireMode mode) throws InterruptedException {
        if (handoffs > 0 && slot.hasValidLease()) {
            slot.takeOver(handoffs);
            return true;
        }
        handoffs = 0;
        return slot.acquire(deadline, mode);
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
        Lease l = slot.lease();
        boolean keptForHandoff = false;
        try {
            if (l == null) {
                return;
            }
            if (!l.isLost() && engine.options.watchdog() && handoffs < engine.options.maxLocalHandoffs()
                    && local.hasQueuedThreads() && l.isValid()) {
                handoffs++;
                slot.keepForHandOver();
                keptForHandoff = true;
                return;
            }
            boolean othersListen = slot.release();
            if (othersListen && local.hasQueuedThreads()) {
                slot.requestCourtesy();
            }
        } finally {
            local.unlock();
            if (keptForHandoff && !local.hasQueuedThreads()) {
                releaseIdleLease(true);
            }
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
        return local.hasQueuedThreads();
    }

    // ---- conditions ---------------------------------------------------------------------

    /** How often an awaiting thread checks its record on the server and refreshes its life. */
    static final long CONDITION_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How long a waiter record lives without a refresh: a dead JVM's records go after this. */
    static final long CONDITION_ALIVE_MILLIS = 3 * TimeUnit.NANOSECONDS.toMillis(CONDITION_RECHECK_NANOS);

    private final java.util.concurrent.ConcurrentHashMap<String, EngineCondition> conditions =
            new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public java.util.concurrent.locks.Condition newCondition(String conditionName) {
        LockEngine.checkName(conditionName);
        if (engine.backend.conditions() == null) {
            throw new UnsupportedOperationException(engine.backend.describe() + " has no conditions for lock '"
                    + name + "'");
        }
        return conditions.computeIfAbsent(conditionName, c -> new EngineCondition(this, c));
    }

    /** The condition if it is one of this lock's; else the exception ReentrantLock would throw. */
    private EngineCondition own(java.util.concurrent.locks.Condition condition) {
        java.util.Objects.requireNonNull(condition, "condition");
        if (!(condition instanceof EngineCondition) || ((EngineCondition) condition).sync() != this) {
            throw new IllegalArgumentException("the condition was not created by lock '" + name + "'");
        }
        return (EngineCondition) condition;
    }

    @Override
    public boolean hasWaiters(java.util.concurrent.locks.Condition condition) {
        return getWaitQueueLength(condition) > 0;
    }

    @Override
    public int getWaitQueueLength(java.util.concurrent.locks.Condition condition) {
        EngineCondition c = own(condition);
        requireHeld();
        return engine.retrying("count waiters", name, () -> engine.backend.conditions().waiters(name, c.name()));
    }

    @Override
    public java.util.Collection<Thread> getWaitingThreads(java.util.concurrent.locks.Condition condition) {
        EngineCondition c = own(condition);
        requireHeld();
        return c.waitingThreads();
    }

    /**
     * Signals up to {@code count} waiters of {@code c}, in any JVM, first come first served.
     * The server checks in the same step that this JVM's lease still owns the lock.
     */
    void signal(EngineCondition c, int count) {
        requireHeld();
        slot.signalCondition(engine.backend.conditions(), c.name(), count);
    }

    /**
     * Awaits {@code c}.
     *
     * <pre>
     * 1. The current thread must hold the lock (IllegalMonitorStateException) with its lease in
     *    place (LeaseLostException if it was lost); an interrupt already set is thrown first.
     * 2. A watch for this waiter's wake-up is opened, then one atomic step on the server checks
     *    the lease, queues the waiter and releases the lease, so whoever holds the lock next
     *    finds the waiter when it signals. Then every local hold is released (the count saved).
     * 3. The thread parks until woken by the watch, its deadline, an interrupt or the periodic
     *    re-check (which also keeps its record alive); after each wake it asks the server
     *    whether its record is still queued: gone means signalled. At a deadline or an
     *    interrupt it withdraws the record: if a signal took it first, the wait counts as
     *    signalled (the interrupt status is then kept), so no signal is lost.
     * 4. It re-acquires the lock with the saved hold count, uninterruptibly, with a new fencing
     *    token, before returning or throwing.
     * </pre>
     *
     * @return for a timed wait the time left (at most 0 on timeout, at least 1 if signalled);
     *         for an untimed wait 1
     */
    long await(EngineCondition c, boolean timed, long nanos, boolean interruptible) throws InterruptedException {
        requireHeld();
        if (interruptible && Thread.interrupted()) {
            throw new InterruptedException();
        }
        io.distlock.spi.ConditionBackend backend = engine.backend.conditions();
        long deadline = System.nanoTime() + Math.max(nanos, 0L);
        String waiter = engine.newToken();
        Thread me = Thread.currentThread();
        java.util.concurrent.atomic.AtomicBoolean woken = new java.util.concurrent.atomic.AtomicBoolean();
        io.distlock.spi.ReleaseWatch watch = backend.watchSignal(name, c.name(), waiter, () -> {
            woken.set(true);
            java.util.concurrent.locks.LockSupport.unpark(me);
        });
        int saved = local.holdCount();
        boolean interrupted = false;
        boolean signalled = false;
        InterruptedException thrown = null;
        try {
            slot.releaseIntoCondition(backend, c.name(), waiter, CONDITION_ALIVE_MILLIS);
            handoffs = 0;
            c.waiting().add(me);
            engine.registerConditionWaiter(me);
            for (int i = 0; i < saved; i++) {
                local.unlock();
            }
            long nextCheck = System.nanoTime() + CONDITION_RECHECK_NANOS;
            while (!engine.isClosed()) {
                long now = System.nanoTime();
                if (timed && now - deadline >= 0) {
                    signalled = !withdraw(backend, c, waiter);
                    break;
                }
                if (!woken.get()) {
                    long park = nextCheck - now;
                    if (timed) {
                        park = Math.min(park, deadline - now);
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(this, Math.max(park, 0L));
                }
                if (Thread.interrupted()) {
                    if (interruptible) {
                        if (withdraw(backend, c, waiter)) {
                            thrown = new InterruptedException();
                        } else {
                            signalled = true;
                            interrupted = true;
                        }
                        break;
                    }
                    interrupted = true;
                }
                if (woken.getAndSet(false) || System.nanoTime() - nextCheck >= 0) {
                    nextCheck = System.nanoTime() + CONDITION_RECHECK_NANOS;
                    if (!stillQueued(backend, c, waiter)) {
                        signalled = true;
                        break;
                    }
                }
            }
            if (engine.isClosed()) {
                withdrawQuietly(backend, c, waiter);
            }
        } finally {
            watch.close();
            c.waiting().remove(me);
            engine.unregisterConditionWaiter(me);
        }
        // re-acquire with the saved holds, whatever ended the wait (a closed factory throws
        // IllegalStateException here)
        reacquire(saved);
        if (interrupted) {
            me.interrupt();
        }
        if (thrown != null) {
            throw thrown;
        }
        if (!timed) {
            return 1;
        }
        long left = deadline - System.nanoTime();
        return signalled ? Math.max(left, 1L) : Math.min(left, 0L);
    }

    /** Withdraws the waiter; true if it was still queued. An unreachable server counts as queued. */
    private boolean withdraw(io.distlock.spi.ConditionBackend backend, EngineCondition c, String waiter) {
        try {
            return engine.retrying("withdraw waiter", name, () -> backend.withdraw(name, c.name(), waiter));
        } catch (io.distlock.LockBackendException e) {
            // not known to be signalled: report a timeout (the record expires with its refreshes)
            return true;
        }
    }

    private void withdrawQuietly(io.distlock.spi.ConditionBackend backend, EngineCondition c, String waiter) {
        try {
            backend.withdraw(name, c.name(), waiter);
        } catch (RuntimeException e) {
            // the record expires with its refreshes, or with the session
        }
    }

    /** Whether the waiter is still queued; an unreachable server counts as queued (check again later). */
    private boolean stillQueued(io.distlock.spi.ConditionBackend backend, EngineCondition c, String waiter) {
        try {
            return backend.keepWaiting(name, c.name(), waiter, CONDITION_ALIVE_MILLIS);
        } catch (io.distlock.LockBackendException e) {
            return true;
        }
    }

    /** Takes the lock again after a wait, uninterruptibly, and restores the saved hold count. */
    private void reacquire(int saved) {
        boolean interrupted = Thread.interrupted();
        try {
            lock();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        for (int i = 1; i < saved; i++) {
            local.lock();
        }
    }

    /** The name's lease slot (for the engine's stress tests). */
    LeaseSlot slot() {
        return slot;
    }

    /** An estimate of the number of threads of this JVM waiting for the lock. */
    public int queueLength() {
        return local.queueLength();
    }

    @Override
    public void renew(Duration leaseTime) {
        requireHeld();
        slot.renew(leaseTime);
    }

    @Override
    public AutoRenewal autoRenew(Duration interval) {
        requireHeld();
        return slot.autoRenew(interval);
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
