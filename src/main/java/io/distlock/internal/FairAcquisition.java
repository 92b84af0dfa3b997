package io.distlock.internal;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The acquisition of a fair lock (LockOptions.fair), written once for exclusive locks and for
 * both sides of read/write locks.
 *
 * <pre>
 * The server's queue is the only queue. Every thread that must wait takes its own place in it,
 * with a lease slot of its own, before it touches the local lock, so threads of this JVM and of
 * every other are served in the order they reached the server (a thread queued locally behind
 * another of its JVM would otherwise be overtaken by every JVM that asked in the meantime). Once
 * the server grants it the lease, the thread takes the local lock, which is free or about to be
 * (the previous holder gives it back right after its release on the server), and the side
 * installs its slot (the name's slot, or the thread's read slot) until its final unlock.
 *
 * The local lock is waited for in short steps, never for ever while holding the lease: if a
 * local holder the thread waits for holds no valid lease (its lease was lost, or its thread died
 * holding the lock), the lease is given back at once so that the other JVMs are not held up,
 * the thread takes the local lock as the JDK lock would (waiting for that holder's unlock) and
 * then queues again. While it waits for the local lock, and then holds it while it queues again,
 * it is in the name's set of lease-less threads; a granted thread that cannot take the local lock
 * while that set is not empty gives its lease back too and waits its turn locally. Otherwise it
 * could wait, renewing its lease, for a lease-less holder that queues on the server behind it (a
 * dead-lock that would also shut out every other JVM), or, in a fair local lock, behind a
 * lease-less waiter. A lease lost while waiting for the local lock is given back and the thread
 * queues again; a factory closed meanwhile ends the call with IllegalStateException (a timed
 * call may return false instead).
 * </pre>
 */
final class FairAcquisition {

    /** How long a thread holding a fresh lease waits for the local lock between checks. */
    static final long LOCAL_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private FairAcquisition() {
    }

    /**
     * Acquires {@code hold} in arrival order across JVMs; the current thread must not hold the
     * local lock. Keeps the hold's sets of server-queued and lease-less threads up to date.
     *
     * @return true once the lease and the local lock are held; false if the deadline passed
     *         (TIMED) with neither held
     * @throws IllegalStateException if the factory was closed (a timed call may return false)
     */
    static boolean acquire(HoldSync hold, long deadline, AcquireMode mode, long start) throws InterruptedException {
        LockEngine engine = hold.engine;
        Set<Thread> waiters = hold.fairWaiters();
        Set<Thread> leaseless = hold.leaseless();
        Thread me = Thread.currentThread();
        boolean localHeld = false;
        try {
            while (true) {
                engine.checkOpen();
                ServerLease mine = hold.newFairSlot();
                boolean leased;
                waiters.add(me);
                try {
                    leased = mine.acquire(deadline, mode);
                } finally {
                    waiters.remove(me);
                }
                if (!leased) {
                    return notAcquired(engine, mode);
                }
                if (!localHeld) {
                    boolean keep = false;
                    try {
                        localHeld = takeLocalWhileLeased(hold, deadline, mode);
                        if (!localHeld && (engine.isClosed() || !leaselessLocally(hold))) {
                            return notAcquired(engine, mode);   // the deadline passed (or the factory closed)
                        }
                        keep = localHeld;
                    } finally {
                        if (!keep) {
                            mine.releaseIdle(false);
                        }
                    }
                    if (!localHeld) {
                        // a local holder holds no valid lease: wait for its unlock without a
                        // lease, as the JDK lock would, then queue again
                        leaseless.add(me);
                        localHeld = lockLocally(hold, deadline, mode);
                        if (!localHeld) {
                            return notAcquired(engine, mode);
                        }
                        continue;
                    }
                }
                if (engine.isClosed() || !mine.hasValidLease()) {
                    mine.releaseIdle(false);
                    engine.checkOpen();
                    continue;   // lost while waiting for the local lock: queue again
                }
                hold.installFair(mine);
                leaseless.remove(me);
                localHeld = false;   // kept: the caller holds the lock now
                mine.heldSince(engine.events.acquired(hold.name, start, mine.lastAcquireContended(), false));
                return true;
            }
        } finally {
            leaseless.remove(me);
            if (localHeld) {
                hold.localUnlock();
            }
        }
    }

    /**
     * The end of an acquisition that did not get the lock: false for a timed one (its deadline
     * passed, or the factory closed); an untimed one ends only because the factory closed.
     */
    private static boolean notAcquired(LockEngine engine, AcquireMode mode) {
        if (mode != AcquireMode.TIMED) {
            engine.checkOpen();
            throw new IllegalStateException("the fair acquisition ended without the lock");
        }
        return false;
    }

    /** Takes {@code hold}'s local lock the way {@code mode} waits; false if the deadline passed. */
    private static boolean lockLocally(HoldSync hold, long deadline, AcquireMode mode) throws InterruptedException {
        switch (mode) {
            case INTERRUPTIBLE:
                hold.localPart().lockInterruptibly();
                return true;
            case TIMED:
                return hold.localPart().tryLock(Math.max(deadline - System.nanoTime(), 0L), TimeUnit.NANOSECONDS);
            default:
                hold.localLock();
                return true;
        }
    }

    /**
     * Whether a granted thread that cannot take the local lock must give its lease back: a local
     * holder it waits for has no valid lease, or another thread of the JVM waits for the local
     * lock (or holds it) without a lease.
     */
    private static boolean leaselessLocally(HoldSync hold) {
        return !hold.leaseless().isEmpty() || hold.localHolderLeaseless();
    }

    /**
     * Takes the local lock for a thread that holds a fresh lease, in short steps: false if the
     * deadline passed (TIMED; the lease is then worth at least one short step more), the factory
     * closed, or a local holder this thread waits for holds no valid lease.
     */
    private static boolean takeLocalWhileLeased(HoldSync hold, long deadline, AcquireMode mode)
            throws InterruptedException {
        LockEngine engine = hold.engine;
        long end = mode == AcquireMode.TIMED ? Math.max(deadline, System.nanoTime() + AcquireLoop.MIN_ATTEMPT_NANOS) : 0L;
        boolean interrupted = false;
        try {
            while (true) {
                long step = LOCAL_STEP_NANOS;
                if (mode == AcquireMode.TIMED) {
                    step = Math.min(step, Math.max(end - System.nanoTime(), 0L));
                }
                try {
                    if (hold.localPart().tryLock(step, TimeUnit.NANOSECONDS)) {
                        return true;
                    }
                } catch (InterruptedException e) {
                    if (mode.interruptible()) {
                        throw e;
                    }
                    interrupted = true;
                }
                if (engine.isClosed() || leaselessLocally(hold)
                        || (mode == AcquireMode.TIMED && end - System.nanoTime() <= 0)) {
                    return false;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
