package io.distlock.internal;

import io.distlock.LockInfo;
import io.distlock.spi.ReadWriteLockBackend;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

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
 *
 * Both sides are HoldSyncs: the acquisition skeleton is written once there, for these sides and
 * for the exclusive lock. Fields: writeSlot is written by the local write owner (a fair writer
 * installs its own); readSlots by each reading thread for itself; the fair sets by the waiting
 * threads themselves.
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
    private volatile ServerLease writeSlot;
    /** The read lease of each reading thread. */
    private final ConcurrentHashMap<Thread, ServerLease> readSlots = new ConcurrentHashMap<>();
    /** Fair mode: threads of this JVM waiting in the server's queue, for the write and the read lock. */
    private final Set<Thread> fairWriters = ConcurrentHashMap.newKeySet();
    private final Set<Thread> fairReaders = ConcurrentHashMap.newKeySet();
    /** Fair mode: threads of this JVM waiting for either local lock, or holding it, without a lease. */
    private final Set<Thread> leaseless = ConcurrentHashMap.newKeySet();
    private final ReadSide readSide;
    private final WriteSide writeSide;

    ReadWriteSync(LockEngine engine, ReadWriteLockBackend backend, String name, LocalReadWrite local) {
        this.engine = engine;
        this.local = local;
        this.name = name;
        this.backend = backend;
        this.writeSlot = new ServerLease(engine, backend.writeSide(), name, this);
        this.readSide = new ReadSide();
        this.writeSide = new WriteSide();
    }

    /** The lock name. */
    public String name() {
        return name;
    }

    /** The lock object this state belongs to. */
    public Object lockObject() {
        return local.lockObject();
    }

    /** Whether {@code slot} holds a lease that was lost (or whose holder thread died holding it). */
    private static boolean lost(ServerLease slot) {
        Lease l = slot.lease();
        return l != null && l.isLost();
    }

    /**
     * Fair mode: the threads of this JVM waiting in the server's queue for the write lock (they
     * are in no local queue). Empty for a non-fair lock.
     */
    public Collection<Thread> serverQueuedWriters() {
        return List.copyOf(fairWriters);
    }

    /** Fair mode: the threads of this JVM waiting in the server's queue for the read lock. */
    public Collection<Thread> serverQueuedReaders() {
        return List.copyOf(fairReaders);
    }

    /** The read side. */
    public HoldSync readSide() {
        return readSide;
    }

    /** The write side. */
    public HoldSync writeSide() {
        return writeSide;
    }

    /** Threads of this JVM waiting for the local read or write lock (for monitoring). */
    int localQueueLength() {
        return local.queuedThreads().size();
    }

    /** What both sides share: the name's local read/write lock and its fair sets. */
    private abstract class Side extends HoldSync {

        Side() {
            super(ReadWriteSync.this.engine, ReadWriteSync.this.name);
        }

        @Override
        final boolean locallyBusy() {
            return local.owner() != null || local.readLockCount() > 0 || local.hasQueuedThreads();
        }

        /**
         * tryLock(0) never queues and does not overtake as tryLock() does: a fair lock's gives way
         * to everyone queued before it, a non-fair reader to waiting writers (the back end's
         * tryAcquireWithoutOvertaking says how), as ReentrantReadWriteLock's.
         */
        @Override
        final AcquireMode noTimeLeftMode() {
            return AcquireMode.NO_WAIT_NO_OVERTAKING;
        }

        @Override
        final boolean localQueueNotEmpty() {
            return local.hasQueuedThreads();
        }

        @Override
        final Set<Thread> leaseless() {
            return leaseless;
        }

        @Override
        final String notHeldMessage() {
            return "current thread does not hold the " + this + " of '" + name + "'";
        }

        @Override
        public final boolean hasQueuedThreads() {
            return local.hasQueuedThreads() || !fairWriters.isEmpty() || !fairReaders.isEmpty();
        }
    }

    private final class WriteSide extends Side {
        private final Conditions conditions = new Conditions(this, () -> writeSlot, () -> { },
                t -> fairWriters.contains(t) || local.queuedThreads().contains(t));

        @Override
        Lock localPart() {
            return local.writeLock();
        }

        @Override
        int holds() {
            return local.writeHoldCount();
        }

        @Override
        ServerLease slotForAcquire() {
            return writeSlot;
        }

        @Override
        ServerLease heldSlot() {
            return local.isWriteLockedByCurrentThread() ? writeSlot : null;
        }

        @Override
        ServerLease newFairSlot() {
            return new ServerLease(engine, backend.writeSide(), name, ReadWriteSync.this);
        }

        @Override
        boolean localHolderLeaseless() {
            // a writer waits for the local writer and for every local reader
            return (local.owner() != null && lost(writeSlot)) || readSlots.values().stream().anyMatch(ReadWriteSync::lost);
        }

        @Override
        void installFair(ServerLease granted) {
            writeSlot = granted;
        }

        @Override
        Set<Thread> fairWaiters() {
            return fairWriters;
        }

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
        Conditions conditions() {
            return conditions;
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
        Lock localPart() {
            return local.readLock();
        }

        @Override
        int holds() {
            return local.readHoldCount();
        }

        @Override
        ServerLease slotForAcquire() {
            ServerLease slot = new ServerLease(engine, readSideFor(), name, ReadWriteSync.this);
            readSlots.put(Thread.currentThread(), slot);
            return slot;
        }

        /**
         * The back end's side for the current thread's read lease: in fair mode, the queued read
         * side unless the thread holds the write lock (a downgrade).
         */
        private io.distlock.spi.LockBackend readSideFor() {
            return fairness.queuesOnServer() && !isDowngrade() ? backend.queuedReadSide() : backend.readSide();
        }

        @Override
        boolean isDowngrade() {
            // a write holder whose lease was lost is no writer on the server: its read queues
            return local.isWriteLockedByCurrentThread() && writeSlot.servesThread(Thread.currentThread());
        }

        @Override
        ServerLease heldSlot() {
            return readSlots.get(Thread.currentThread());
        }

        @Override
        void forget(ServerLease slot) {
            if (slot != null) {
                readSlots.remove(Thread.currentThread(), slot);
            }
        }

        @Override
        ServerLease newFairSlot() {
            return new ServerLease(engine, backend.queuedReadSide(), name, ReadWriteSync.this);
        }

        @Override
        boolean localHolderLeaseless() {
            // a reader waits only for the local writer
            return local.owner() != null && lost(writeSlot);
        }

        @Override
        void installFair(ServerLease granted) {
            readSlots.put(Thread.currentThread(), granted);
        }

        @Override
        Set<Thread> fairWaiters() {
            return fairReaders;
        }

        @Override
        public boolean isLocked() {
            return new ServerLease(engine, backend.readSide(), name, ReadWriteSync.this).isLocked();
        }

        @Override
        public LockInfo info() {
            ServerLease slot = heldSlot();
            ServerLease probe = slot != null ? slot : new ServerLease(engine, backend.readSide(), name, ReadWriteSync.this);
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
