package io.distlock.internal;

import io.distlock.LeaseLostException;
import io.distlock.LockBackendException;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.LockBackend;
import io.distlock.spi.ReleaseResult;

/**
 * The JVM's lease on one server-side lock (an exclusive lock, or one side of a read/write lock):
 * the held lease, its release, the one lease-loss path (lose), the condition steps that need the
 * lease, and the server inspections of the lock. Used by one local owner at a time: the caller
 * serialises acquire and release with its own local lock. Its parts: AcquireLoop obtains leases,
 * LeaseRenewal renews and expires them.
 *
 * <pre>
 * The lease field is written only by the owner, except that the renewal thread and close() may
 * mark a lease lost. A lost lease stays in place until the owner's release, which reports it.
 * The holder field names the thread the lease serves; the sweeper uses it to find a lease whose
 * owner thread died without unlocking.
 * </pre>
 */
final class ServerLease {

    private final LockEngine engine;
    private final LockBackend backend;
    private final String name;
    /**
     * The local state this lease belongs to. The engine keeps held slots strongly, and through
     * this field their owners, so that the registry (weak values) never drops a held lock.
     */
    @SuppressWarnings({"unused", "FieldCanBeLocal"})
    private final Object owner;
    private volatile Lease lease;
    /** The thread the lease serves now, or null while it waits for a local hand-over. */
    private volatile Thread holder;
    /**
     * When the current hold began, for the observers (LockEvents.released), or LockEvents.OFF if
     * its acquisition was not observed; written and read by the holding thread (a local
     * hand-over passes it on under the local lock).
     */
    private long heldSince = LockEvents.OFF;

    /** Renewal and expiry of this slot's lease. */
    private final LeaseRenewal renewal;
    /** The acquire loop that obtains this slot's leases. */
    private final AcquireLoop acquirer;

    ServerLease(LockEngine engine, LockBackend backend, String name, Object owner) {
        this.engine = engine;
        this.backend = backend;
        this.name = name;
        this.owner = owner;
        this.renewal = new LeaseRenewal(this, engine, backend, name);
        this.acquirer = new AcquireLoop(this, engine, backend, name);
    }

    /**
     * Obtains a new lease on the server (see AcquireLoop). An existing lease that is lost or has
     * run out is given up first.
     *
     * @return true if the lease is held, false if the deadline passed (NO_WAIT, NO_WAIT_NO_OVERTAKING, TIMED)
     */
    boolean acquire(long deadline, AcquireMode mode) throws InterruptedException {
        return acquirer.acquire(deadline, mode);
    }

    /** Whether the last {@link #acquire} found the lock busy; for the thread that called it. */
    boolean lastAcquireContended() {
        return acquirer.lastContended();
    }

    /** Makes the next acquisition wait a courtesy window first (other JVMs may be waiting). */
    void requestCourtesy() {
        acquirer.requestCourtesy();
    }

    /** Called by the back end's watch, and on close: the lease may have been released. */
    void signalRelease() {
        acquirer.signalRelease();
    }

    /** Renewal and expiry of this slot's lease (renew, holdFor, autoRenew, the sweeper's visit). */
    LeaseRenewal renewal() {
        return renewal;
    }

    /** The thread the lease serves now, or null while it waits for a local hand-over. */
    Thread holder() {
        return holder;
    }

    /**
     * The one lease-loss path: marks {@code l} lost and, the first time, reports it to the log,
     * the observers and the lease listener.
     *
     * @return whether this call marked it (false if it was already lost)
     */
    boolean lose(Lease l) {
        if (l.markLost()) {
            engine.reportLost(name, l.fencingToken());
            return true;
        }
        return false;
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
            engine.releaser.release(backend, name, l.token, false);
            throw new LeaseLostException(name, l.fencingToken());
        }
        dropLease(l);
        // When an attempt fails and a retry finds the lease gone, either the failed attempt
        // deleted it before its answer was lost, or the lease had been lost (a server restart
        // that lost the data breaks the connection too). The two cannot be told apart, and a
        // lost lease must never pass silently, so that is reported as lost.
        ReleaseResult released;
        try {
            released = engine.retries.retrying("release", name, () -> backend.release(name, l.token));
        } catch (LockBackendException e) {
            // nobody renews the lease now; the factory keeps giving it back in the background
            // (on etcd a key on the session lease would otherwise stay as long as the session)
            if (!e.isPermanent()) {
                engine.releaser.release(backend, name, l.token, false);
            }
            throw e;
        }
        if (!released.released()) {
            lose(l);
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
            queued = engine.retries.retrying("await", name,
                    () -> conditions.enqueueAndRelease(name, l.token, condition, waiter, aliveMillis));
        } catch (LockBackendException e) {
            lose(l);
            engine.releaser.release(backend, name, l.token, false);
            try {
                conditions.withdraw(name, condition, waiter);
            } catch (LockBackendException ignored) {
                // the record expires with its JVM's liveness
            }
            throw e;
        }
        if (!queued) {
            lose(l);
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
        java.util.List<String> woken = engine.retries.retrying("signal", name,
                () -> conditions.signal(name, l.token, condition, count));
        if (woken == null) {
            lose(l);
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
                engine.releaser.releaseNow(backend, name, l.token);
            } else {
                engine.releaser.release(backend, name, l.token, false);
            }
        }
    }

    /** Asks the server whether the lock is held. */
    boolean isLocked() {
        engine.checkOpen();
        return engine.retries.retrying("inspect", name, () -> backend.isLocked(name));
    }

    /** Asks the server for the lock's state. */
    LeaseSnapshot inspect() {
        engine.checkOpen();
        return engine.retries.retrying("inspect", name, () -> backend.inspect(name));
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
        lose(l);
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


    /**
     * Installs a new lease for the current thread, granted by a request sent at {@code sentAt}.
     * Renewal (watchdog) or expiry (fixed lease) is the engine's sweeper's job: it visits held
     * slots on a short period and acts on leases that are due, so acquiring and releasing never
     * touch a scheduler. The first renewal is due one renewal interval after the request, like
     * the lease's own end: a late answer brings it forward, not the lease's end back. A lease
     * handed over for a short time ({@code renewAtOnce}, AcquireResult.handedOver) is renewed at
     * once, on the sweeper's thread (the acquiring thread does not wait for it).
     */
    void installLease(Lease l, long sentAt, boolean renewAtOnce) {
        boolean watchdog = engine.options.watchdog();
        l.dueAt(!watchdog ? l.validUntilNanos() : renewAtOnce ? sentAt
                : sentAt + engine.options.renewInterval().toNanos());
        holder = Thread.currentThread();
        lease = l;
        engine.sweeper.add(this);
        if (watchdog && renewAtOnce) {
            // a lease handed over for a short time: renewed now, on the sweeper's thread, and
            // again within what is left of it until a renewal succeeds
            l.handedOverShort();
            engine.sweeper.visitSoon(this);
        }
        if (engine.isClosed()) {
            // the factory closed while this acquisition was under way: lost at once, as every
            // lease held at the close is
            abandon();
        }
    }

    void dropLease(Lease l) {
        lease = null;
        holder = null;
        engine.sweeper.remove(this);
    }


    /** Called by the engine on close: the held lease is lost and given back. */
    void abandon() {
        Lease l = lease;
        if (l != null && lose(l)) {
            engine.releaser.releaseNow(backend, name, l.token);
        }
    }

}
