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

    /** The local side of one fair acquisition: the lock of this JVM it must also take. */
    interface Side {
        /** A new lease slot, for this thread's place in the server's queue. */
        LeaseSlot newSlot();

        /** Tries the local lock for at most {@code nanos}. */
        boolean tryLocal(long nanos) throws InterruptedException;

        /** Takes the local lock the way {@code mode} waits; false if the deadline passed. */
        boolean lockLocal(long deadline, AcquireMode mode) throws InterruptedException;

        /** Gives the local lock back. */
        void unlockLocal();

        /**
         * Whether a local holder this thread waits for holds no valid lease (it was lost, or its
         * thread died holding the lock).
         */
        boolean localHolderLeaseless();

        /** Makes {@code granted} the slot of the current thread's hold (it holds the local lock). */
        void install(LeaseSlot granted);
    }

    private FairAcquisition() {
    }

    /**
     * Acquires in arrival order across JVMs; the current thread must not hold the local lock.
     *
     * @param waiters the threads of this JVM waiting in the server's queue, kept up to date
     * @param leaseless the threads of this JVM waiting for the name's local lock, or holding it,
     *        without a lease (shared by both sides of a read/write lock), kept up to date
     * @return true once the lease and the local lock are held; false if the deadline passed
     *         (TIMED) with neither held
     * @throws IllegalStateException if the factory was closed (a timed call may return false)
     */
    static boolean acquire(LockEngine engine, String name, Side side, Set<Thread> waiters, Set<Thread> leaseless,
                           long deadline, AcquireMode mode, long start) throws InterruptedException {
        Thread me = Thread.currentThread();
        boolean localHeld = false;
        try {
            while (true) {
                engine.checkOpen();
                LeaseSlot mine = side.newSlot();
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
                        localHeld = takeLocalWhileLeased(engine, side, leaseless, deadline, mode);
                        if (!localHeld && (engine.isClosed() || !leaselessLocally(side, leaseless))) {
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
                        localHeld = side.lockLocal(deadline, mode);
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
                side.install(mine);
                leaseless.remove(me);
                localHeld = false;   // kept: the caller holds the lock now
                mine.heldSince(engine.events.acquired(name, start, mine.lastAcquireContended(), false));
                return true;
            }
        } finally {
            leaseless.remove(me);
            if (localHeld) {
                side.unlockLocal();
            }
        }
    }

    /**
     * A fair {@code tryLock(time, unit)}: as {@link #acquire} in TIMED mode, refusing a thread
     * already interrupted, and telling the observers of a failure.
     */
    static boolean acquireTimed(LockEngine engine, String name, Side side, Set<Thread> waiters, Set<Thread> leaseless,
                                long deadline, long start) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        boolean acquired = acquire(engine, name, side, waiters, leaseless, deadline, AcquireMode.TIMED, start);
        if (!acquired) {
            engine.events.acquireFailed(name, start);
        }
        return acquired;
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

    /**
     * Whether a granted thread that cannot take the local lock must give its lease back: a local
     * holder it waits for has no valid lease, or another thread of the JVM waits for the local
     * lock (or holds it) without a lease.
     */
    private static boolean leaselessLocally(Side side, Set<Thread> leaseless) {
        return !leaseless.isEmpty() || side.localHolderLeaseless();
    }

    /**
     * Takes the local lock for a thread that holds a fresh lease, in short steps: false if the
     * deadline passed (TIMED; the lease is then worth at least one short step more), the factory
     * closed, or a local holder this thread waits for holds no valid lease.
     */
    private static boolean takeLocalWhileLeased(LockEngine engine, Side side, Set<Thread> leaseless, long deadline,
                                                AcquireMode mode) throws InterruptedException {
        long end = mode == AcquireMode.TIMED ? Math.max(deadline, System.nanoTime() + AcquireLoop.MIN_ATTEMPT_NANOS) : 0L;
        boolean interrupted = false;
        try {
            while (true) {
                long step = LOCAL_STEP_NANOS;
                if (mode == AcquireMode.TIMED) {
                    step = Math.min(step, Math.max(end - System.nanoTime(), 0L));
                }
                try {
                    if (side.tryLocal(step)) {
                        return true;
                    }
                } catch (InterruptedException e) {
                    if (mode.interruptible()) {
                        throw e;
                    }
                    interrupted = true;
                }
                if (engine.isClosed() || leaselessLocally(side, leaseless)
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

    /** The waiting acquisitions of a local lock ({@link LocalMutex} has them, a JDK lock through {@link #of}). */
    interface LocalWaits {
        void lock();

        void lockInterruptibly() throws InterruptedException;

        boolean tryLock(long nanos) throws InterruptedException;
    }

    /** The waiting acquisitions of a JDK lock. */
    static LocalWaits of(java.util.concurrent.locks.Lock lock) {
        return new LocalWaits() {
            @Override
            public void lock() {
                lock.lock();
            }

            @Override
            public void lockInterruptibly() throws InterruptedException {
                lock.lockInterruptibly();
            }

            @Override
            public boolean tryLock(long nanos) throws InterruptedException {
                return lock.tryLock(nanos, TimeUnit.NANOSECONDS);
            }
        };
    }

    /** Takes {@code lock} the way {@code mode} waits; false if the deadline passed. */
    static boolean lockLocally(LocalWaits lock, long deadline, AcquireMode mode) throws InterruptedException {
        switch (mode) {
            case INTERRUPTIBLE:
                lock.lockInterruptibly();
                return true;
            case TIMED:
                return lock.tryLock(Math.max(deadline - System.nanoTime(), 0L));
            default:
                lock.lock();
                return true;
        }
    }
}
