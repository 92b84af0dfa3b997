package io.distlock.internal;

import io.distlock.AutoRenewal;
import io.distlock.LockInfo;
import io.distlock.spi.ReadWriteLockBackend;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The algorithm behind one read/write lock name in one engine.
 *
 * <pre>
 * Overview
 *
 * A JVM-local ReentrantReadWriteLock (fair for a fair factory) orders the threads of this JVM: local readers
 * share, a local writer excludes them, hold counts, reentrancy, downgrading, timeouts and
 * interrupts come from it. On top of it every hold has its own lease on the server:
 *
 *   - the writer thread (write hold count 1) holds the write-side lease;
 *   - each reading thread (read hold count 1) holds a read-side lease of its own, so that
 *     readers need no coordination among themselves and the server sees every reader (which is
 *     what lets it keep new readers out while a writer waits).
 *
 * Re-acquisitions by a holder are local. A reader that asks for the write lock would wait for
 * itself; tryLock refuses, lock throws IllegalMonitorStateException. A writer taking the read
 * lock gets a read lease while still holding the write lease: the back end lets this factory's
 * own writer's reader in.
 *
 * Fair mode (LockOptions.fair, as new ReentrantReadWriteLock(true)): the local lock is fair, and
 * a thread's first hold of either side is taken server first (FairAcquisition): the thread
 * queues on the server with a slot of its own (a writer's becomes the name's write slot, a
 * reader's its read slot), so readers and writers of every JVM are served in the order they
 * reached the server, and only then takes the local lock. A reader queues on the back end's
 * queued read side, which never counts it as a downgrade of this JVM's writer. A write holder
 * taking the read lock (a downgrade), re-acquisitions and tryLock() go local first as in
 * non-fair mode; tryLock(0, unit) honours the server's queue. No courtesy window.
 * </pre>
 */
public final class ReadWriteSync {

    private final LockEngine engine;
    private final String name;
    private final LocalReadWrite local;
    private final ReadWriteLockBackend backend;
    /**
     * The write lease's slot: always the same one, except in fair mode, where each waiting
     * writer has its own and installs it here once it holds the local write lock.
     */
    private volatile LeaseSlot writeSlot;
    /** The read lease of each reading thread. */
    private final ConcurrentHashMap<Thread, LeaseSlot> readSlots = new ConcurrentHashMap<>();
    /** Whether the lock is fair (LockOptions.fair): first holds are taken server first. */
    private final boolean fair;
    /** Fair mode: threads of this JVM waiting in the server's queue, for the write and the read lock. */
    private final java.util.Set<Thread> fairWriters = ConcurrentHashMap.newKeySet();
    private final java.util.Set<Thread> fairReaders = ConcurrentHashMap.newKeySet();
    /** Fair mode: threads of this JVM waiting for either local lock, or holding it, without a lease. */
    private final java.util.Set<Thread> leaseless = ConcurrentHashMap.newKeySet();
    private final ReadSide readSide = new ReadSide();
    private final WriteSide writeSide = new WriteSide();

    ReadWriteSync(LockEngine engine, ReadWriteLockBackend backend, String name, LocalReadWrite local) {
        this.engine = engine;
        this.local = local;
        this.name = name;
        this.backend = backend;
        this.writeSlot = new LeaseSlot(engine, backend.writeSide(), name, this);
        this.fair = engine.options.fair();
        this.writeConditions = newConditions();
    }

    /** The lock name. */
    public String name() {
        return name;
    }

    /** The lock object this state belongs to. */
    public Object lockObject() {
        return local.lockObject();
    }

    /**
     * The local side of a fair acquisition of the write lock ({@code writer}) or of the read
     * lock (read from the local part when used: the sides are made before it is set).
     */
    private abstract class FairLocal implements FairAcquisition.Side {
        private final boolean writer;

        FairLocal(boolean writer) {
            this.writer = writer;
        }

        private java.util.concurrent.locks.Lock lock() {
            return writer ? local.writeLock() : local.readLock();
        }

        @Override
        public LeaseSlot newSlot() {
            return new LeaseSlot(engine, writer ? backend.writeSide() : backend.queuedReadSide(), name, ReadWriteSync.this);
        }

        @Override
        public boolean tryLocal(long nanos) throws InterruptedException {
            return lock().tryLock(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public boolean lockLocal(long deadline, AcquireMode mode) throws InterruptedException {
            return FairAcquisition.lockLocally(FairAcquisition.of(lock()), deadline, mode);
        }

        @Override
        public void unlockLocal() {
            lock().unlock();
        }
    }

    /** Whether {@code slot} holds a lease that was lost (or whose holder thread died holding it). */
    private static boolean lost(LeaseSlot slot) {
        Lease l = slot.lease();
        return l != null && l.isLost();
    }

    /**
     * Fair mode: the threads of this JVM waiting in the server's queue for the write lock (they
     * are in no local queue). Empty for a non-fair lock.
     */
    public java.util.Collection<Thread> serverQueuedWriters() {
        return java.util.List.copyOf(fairWriters);
    }

    /** Fair mode: the threads of this JVM waiting in the server's queue for the read lock. */
    public java.util.Collection<Thread> serverQueuedReaders() {
        return java.util.List.copyOf(fairReaders);
    }

    /** The read side. */
    public SyncOps readSide() {
        return readSide;
    }

    /** Threads of this JVM waiting for the local read or write lock (for monitoring). */
    int localQueueLength() {
        return local.queuedThreads().size();
    }

    /** The write side. */
    public SyncOps writeSide() {
        return writeSide;
    }

    /** Common shape of both sides: take the local lock, then a lease if this is the first hold. */
    private abstract class Side implements SyncOps {

        abstract boolean localTryLock();

        abstract boolean localTryLock(long nanos) throws InterruptedException;

        abstract void localLock();

        abstract void localLockInterruptibly() throws InterruptedException;

        abstract void localUnlock();

        abstract int holds();

        /** The slot to acquire with, for the current thread's first hold. */
        abstract LeaseSlot slotForAcquire();

        /** The slot of the current thread's hold, or null. */
        abstract LeaseSlot heldSlot();

        /** Forgets the current thread's slot after a failed acquisition or the final release. */
        abstract void forget(LeaseSlot slot);

        /** Refuses what would dead-lock (an upgrade); true if the attempt may go on. */
        abstract boolean mayAcquire(boolean refuseByException);

        /** Fair mode: the local side of this side's server-first acquisitions. */
        abstract FairAcquisition.Side fairSide();

        /** Fair mode: the threads of this JVM waiting in the server's queue for this side. */
        abstract java.util.Set<Thread> fairWaiters();

        /**
         * Whether the current thread's acquisition goes server first: in fair mode, a first
         * hold that is not a write holder's read (a downgrade, which must not queue behind
         * writers waiting for the write lock it holds).
         */
        private boolean serverFirst() {
            return fair && holds() == 0 && !local.isWriteLockedByCurrentThread();
        }

        /** A fair first hold: the server's queue, then the local lock (see FairAcquisition). */
        private boolean fairAcquire(long deadline, AcquireMode mode, long start) throws InterruptedException {
            return FairAcquisition.acquire(engine, name, fairSide(), fairWaiters(), leaseless, deadline, mode, start);
        }

        /**
         * For an acquisition that found the current thread already holding the local lock: true
         * if that hold is a distributed one whose lease is good (LeaseSlot.confirmHold). A hold
         * taken on the local lock without the engine (through a ReadLock or WriteLock built over
         * this object with the JDK's protected constructors) has no lease, and a lost lease is
         * final for its hold: in both cases the new local hold is undone and the call refused
         * (IllegalMonitorStateException, LeaseLostException), so no thread can believe it holds
         * the distributed lock without a good lease.
         */
        private boolean reentered() {
            LeaseSlot slot = heldSlot();
            try {
                if (slot == null) {
                    throw new IllegalMonitorStateException("the " + this + " of '" + name
                            + "' is held locally without a lease: it was locked through a JDK lock object built over "
                            + "the distributed lock, which the distributed lock does not support");
                }
                slot.confirmHold();
                return true;
            } catch (IllegalMonitorStateException e) {
                localUnlock();
                throw e;
            }
        }

        /** Whether another thread of this JVM holds or waits for this lock locally (for the observers). */
        private boolean locallyBusy(long start) {
            return start != LockEvents.OFF && (local.owner() != null || local.readLockCount() > 0
                    || local.hasQueuedThreads());
        }

        private boolean lease(long deadline, AcquireMode mode, long start, boolean busy) throws InterruptedException {
            LeaseSlot slot = slotForAcquire();
            boolean acquired = false;
            try {
                acquired = slot.acquire(deadline, mode);
            } finally {
                if (!acquired) {
                    forget(slot);
                    localUnlock();
                }
            }
            if (acquired) {
                slot.heldSince(engine.events.acquired(name, start, busy || slot.lastAcquireContended(), false));
            } else if (mode == AcquireMode.NO_WAIT || mode == AcquireMode.TIMED) {
                engine.events.acquireFailed(name, start);
            }
            return acquired;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void lock() {
            engine.checkOpen();
            mayAcquire(true);
            long start = engine.events.start();
            try {
                if (serverFirst()) {
                    try {
                        fairAcquire(0L, AcquireMode.UNINTERRUPTIBLE, start);
                    } catch (InterruptedException impossible) {
                        throw new AssertionError(impossible);
                    }
                    return;
                }
                boolean busy = locallyBusy(start);
                localLock();
                if (holds() > 1 && reentered()) {
                    return;
                }
                try {
                    lease(0L, AcquireMode.UNINTERRUPTIBLE, start, busy);
                } catch (InterruptedException impossible) {
                    throw new AssertionError(impossible);
                }
            } catch (RuntimeException e) {
                engine.events.acquireError(name, start, e);
                throw e;
            }
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            engine.checkOpen();
            mayAcquire(true);
            long start = engine.events.start();
            try {
                if (serverFirst()) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                    fairAcquire(0L, AcquireMode.INTERRUPTIBLE, start);
                    return;
                }
                boolean busy = locallyBusy(start);
                localLockInterruptibly();
                if (holds() > 1 && reentered()) {
                    return;
                }
                lease(0L, AcquireMode.INTERRUPTIBLE, start, busy);
            } catch (RuntimeException | InterruptedException e) {
                engine.events.acquireError(name, start, e);
                throw e;
            }
        }

        @Override
        public boolean tryLock() {
            engine.checkOpen();
            long start = engine.events.start();
            try {
                if (!mayAcquire(false) || !localTryLock()) {
                    engine.events.acquireFailed(name, start);
                    return false;
                }
                if (holds() > 1 && reentered()) {
                    return true;
                }
                try {
                    return lease(0L, AcquireMode.NO_WAIT, start, false);
                } catch (InterruptedException impossible) {
                    throw new AssertionError(impossible);
                }
            } catch (RuntimeException e) {
                engine.events.acquireError(name, start, e);
                throw e;
            }
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
                if (timeoutNanos > 0 && serverFirst() && mayAcquire(false)) {
                    return FairAcquisition.acquireTimed(engine, name, fairSide(), fairWaiters(), leaseless, deadline, start);
                }
                boolean busy = locallyBusy(start);
                if (!mayAcquire(false) || !localTryLock(timeoutNanos)) {
                    engine.events.acquireFailed(name, start);
                    return false;
                }
                if (holds() > 1 && reentered()) {
                    return true;
                }
                // tryLock(0) never queues and does not overtake as tryLock() does: a fair lock's gives
                // way to everyone queued before it, a non-fair reader to waiting writers (the back
                // end's tryAcquireInTurn says how), as ReentrantReadWriteLock's
                return lease(deadline, timeoutNanos > 0 ? AcquireMode.TIMED : AcquireMode.NO_WAIT_IN_TURN, start, busy);
            } catch (RuntimeException | InterruptedException e) {
                engine.events.acquireError(name, start, e);
                throw e;
            }
        }

        @Override
        public void unlock() {
            if (holds() == 0) {
                throw new IllegalMonitorStateException("current thread does not hold the "
                        + this + " of '" + name + "'");
            }
            if (holds() > 1) {
                localUnlock();
                return;
            }
            LeaseSlot slot = heldSlot();
            long since = slot == null ? LockEvents.OFF : slot.takeHeldSince();
            try {
                if (slot != null) {
                    boolean othersListen = slot.release();
                    if (!fair && othersListen && local.hasQueuedThreads()) {
                        slot.requestCourtesy();
                    }
                }
            } finally {
                forget(slot);
                localUnlock();
                engine.events.released(name, since);
            }
        }

        @Override
        public int getHoldCount() {
            return holds();
        }

        @Override
        public boolean isHeldByCurrentThread() {
            LeaseSlot slot = heldSlot();
            return holds() > 0 && slot != null && slot.hasValidLease();
        }

        @Override
        public long getFencingToken() {
            return requireHeld().heldLeaseOrLost().fencingToken();
        }

        @Override
        public boolean hasQueuedThreads() {
            return local.hasQueuedThreads() || !fairWriters.isEmpty() || !fairReaders.isEmpty();
        }

        @Override
        public void renew(Duration leaseTime) {
            requireHeld().renew(leaseTime);
        }

        @Override
        public void holdFor(Duration leaseTime) {
            requireHeld().holdFor(leaseTime);
        }

        @Override
        public AutoRenewal autoRenew(Duration interval) {
            return requireHeld().autoRenew(interval);
        }

        @Override
        public java.util.concurrent.locks.Condition newCondition(String conditionName) {
            throw new UnsupportedOperationException("the " + this + " of '" + name + "' has no conditions");
        }

        @Override
        public boolean hasWaiters(java.util.concurrent.locks.Condition condition) {
            throw notOurs(condition);
        }

        @Override
        public int getWaitQueueLength(java.util.concurrent.locks.Condition condition) {
            throw notOurs(condition);
        }

        @Override
        public java.util.Collection<Thread> getWaitingThreads(java.util.concurrent.locks.Condition condition) {
            throw notOurs(condition);
        }

        private IllegalArgumentException notOurs(java.util.concurrent.locks.Condition condition) {
            java.util.Objects.requireNonNull(condition, "condition");
            return new IllegalArgumentException("the condition was not created by the " + this + " of '" + name + "'");
        }

        LeaseSlot requireHeld() {
            LeaseSlot slot = heldSlot();
            if (holds() == 0 || slot == null) {
                throw new IllegalMonitorStateException("current thread does not hold the "
                        + this + " of '" + name + "'");
            }
            return slot;
        }
    }

    /** The write lock's conditions. */
    private final Conditions writeConditions;

    /** The conditions of this lock (made by the constructor, once the fields they use are set). */
    private Conditions newConditions() {
        return new Conditions(new Conditions.Host(name, engine, writeSlot) {
            @Override
            LeaseSlot slot() {
                return writeSlot;
            }

            @Override
            String notHeld() {
                return "current thread does not hold the write lock of '" + name + "'";
            }

            @Override
            boolean heldLocally() {
                return local.isWriteLockedByCurrentThread();
            }

            @Override
            int holds() {
                return local.writeHoldCount();
            }

            @Override
            void lockLocally() {
                local.writeLock().lock();
            }

            @Override
            void unlockLocally() {
                local.writeLock().unlock();
            }

            @Override
            void lockWithLease() {
                writeSide.lock();
            }
        });
    }

    private final class WriteSide extends Side {
        @Override
        public java.util.concurrent.locks.Condition newCondition(String conditionName) {
            return writeConditions.newCondition(conditionName);
        }

        @Override
        public boolean hasWaiters(java.util.concurrent.locks.Condition condition) {
            return writeConditions.hasWaiters(condition);
        }

        @Override
        public int getWaitQueueLength(java.util.concurrent.locks.Condition condition) {
            return writeConditions.getWaitQueueLength(condition);
        }

        @Override
        public java.util.Collection<Thread> getWaitingThreads(java.util.concurrent.locks.Condition condition) {
            return writeConditions.getWaitingThreads(condition);
        }

        @Override
        boolean localTryLock() {
            return local.writeLock().tryLock();
        }

        @Override
        boolean localTryLock(long nanos) throws InterruptedException {
            return local.writeLock().tryLock(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        void localLock() {
            local.writeLock().lock();
        }

        @Override
        void localLockInterruptibly() throws InterruptedException {
            local.writeLock().lockInterruptibly();
        }

        @Override
        void localUnlock() {
            local.writeLock().unlock();
        }

        @Override
        int holds() {
            return local.writeHoldCount();
        }

        @Override
        LeaseSlot slotForAcquire() {
            return writeSlot;
        }

        @Override
        LeaseSlot heldSlot() {
            return local.isWriteLockedByCurrentThread() ? writeSlot : null;
        }

        @Override
        void forget(LeaseSlot slot) {
            // the write slot is permanent
        }

        @Override
        FairAcquisition.Side fairSide() {
            return fairWrite;
        }

        @Override
        java.util.Set<Thread> fairWaiters() {
            return fairWriters;
        }

        /** A fair writer's local side: the local write lock, installed as the name's write slot. */
        private final FairAcquisition.Side fairWrite = new FairLocal(true) {
            @Override
            public boolean localHolderLeaseless() {
                // a writer waits for the local writer and for every local reader
                return (local.owner() != null && lost(writeSlot)) || readSlots.values().stream().anyMatch(ReadWriteSync::lost);
            }

            @Override
            public void install(LeaseSlot granted) {
                writeSlot = granted;
            }
        };

        @Override
        boolean mayAcquire(boolean refuseByException) {
            if (local.readHoldCount() > 0 && !local.isWriteLockedByCurrentThread()) {
                if (refuseByException) {
                    throw new IllegalMonitorStateException("the read lock of '" + name
                            + "' cannot be upgraded to the write lock: release the read lock first");
                }
                return false;
            }
            return true;
        }

        @Override
        public boolean isLocked() {
            return writeSlot.isLocked();
        }

        @Override
        public LockInfo info() {
            return writeSlot.info(local.isWriteLockedByCurrentThread(), isHeldByCurrentThread(), holds());
        }

        @Override
        public String describeState() {
            Thread o = owner();
            return o == null ? "[Unlocked]" : "[Locked by thread " + o.getName() + "]";
        }

        @Override
        public Thread owner() {
            Thread o = local.owner();
            return o != null && writeSlot.servesThread(o) ? o : null;
        }

        @Override
        public String toString() {
            return "write lock";
        }
    }

    private final class ReadSide extends Side {
        @Override
        boolean localTryLock() {
            return local.readLock().tryLock();
        }

        @Override
        boolean localTryLock(long nanos) throws InterruptedException {
            return local.readLock().tryLock(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        void localLock() {
            local.readLock().lock();
        }

        @Override
        void localLockInterruptibly() throws InterruptedException {
            local.readLock().lockInterruptibly();
        }

        @Override
        void localUnlock() {
            local.readLock().unlock();
        }

        @Override
        int holds() {
            return local.readHoldCount();
        }

        @Override
        LeaseSlot slotForAcquire() {
            LeaseSlot slot = new LeaseSlot(engine, readSideFor(), name, ReadWriteSync.this);
            readSlots.put(Thread.currentThread(), slot);
            return slot;
        }

        /**
         * The back end's side for the current thread's read lease: in fair mode, the queued read
         * side unless the thread holds the write lock (a downgrade).
         */
        private io.distlock.spi.LockBackend readSideFor() {
            // a write holder whose lease was lost is no writer on the server: its read queues
            boolean downgrade = local.isWriteLockedByCurrentThread() && writeSlot.servesThread(Thread.currentThread());
            return fair && !downgrade ? backend.queuedReadSide() : backend.readSide();
        }

        @Override
        FairAcquisition.Side fairSide() {
            return fairRead;
        }

        @Override
        java.util.Set<Thread> fairWaiters() {
            return fairReaders;
        }

        /** A fair reader's local side: the local read lock, installed as the thread's read slot. */
        private final FairAcquisition.Side fairRead = new FairLocal(false) {
            @Override
            public boolean localHolderLeaseless() {
                // a reader waits only for the local writer
                return local.owner() != null && lost(writeSlot);
            }

            @Override
            public void install(LeaseSlot granted) {
                readSlots.put(Thread.currentThread(), granted);
            }
        };

        @Override
        LeaseSlot heldSlot() {
            return readSlots.get(Thread.currentThread());
        }

        @Override
        void forget(LeaseSlot slot) {
            if (slot != null) {
                readSlots.remove(Thread.currentThread(), slot);
            }
        }

        @Override
        boolean mayAcquire(boolean refuseByException) {
            return true;
        }

        @Override
        public boolean isLocked() {
            return new LeaseSlot(engine, backend.readSide(), name, ReadWriteSync.this).isLocked();
        }

        @Override
        public LockInfo info() {
            LeaseSlot slot = heldSlot();
            LeaseSlot probe = slot != null ? slot : new LeaseSlot(engine, backend.readSide(), name, ReadWriteSync.this);
            return probe.info(slot != null, isHeldByCurrentThread(), holds());
        }

        @Override
        public String describeState() {
            return "[Read locks = " + local.readLockCount() + "]";
        }

        @Override
        public Thread owner() {
            return null;
        }

        @Override
        public String toString() {
            return "read lock";
        }
    }
}
