package io.distlock.etcd;

import io.distlock.LockBackendException;
import io.distlock.internal.Threads;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The leases of one factory: its session lease (granted when first needed, kept alive, replaced
 * when it dies; shared by the transaction-flavour locks and the read/write locks) and the leases
 * of their own that some acquisitions need, all kept alive by one daemon thread.
 */
final class EtcdSessions {

    private static final AtomicInteger IDS = new AtomicInteger();

    private final Client client;
    private final long ttlSeconds;
    private final Duration timeout;
    private final String where;
    private final ScheduledThreadPoolExecutor keepAlives;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile EtcdSession session;
    /**
     * A kept-alive lease of a released acquisition, kept for the next acquisition that needs a
     * lease of its own (ownLease), so that the grant and the revoke are not round trips of every
     * acquisition; null while there is none. One at a time.
     */
    private final java.util.concurrent.atomic.AtomicReference<EtcdSession> spare = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean closed;

    EtcdSessions(Client client, long ttlSeconds, Duration timeout, String where) {
        this.client = client;
        this.ttlSeconds = ttlSeconds;
        this.timeout = timeout;
        this.where = where;
        int id = IDS.incrementAndGet();
        this.keepAlives = new ScheduledThreadPoolExecutor(1, Threads.daemon("distlock-etcd-keepalive-" + id));
        keepAlives.setRemoveOnCancelPolicy(true);
    }

    /** Grants a lease of the factory's time to live, kept alive or not, waiting until {@code deadline}. */
    EtcdSession grant(boolean keepAlive, long deadline) {
        return EtcdSession.grant(client, keepAlives, timeout, ttlSeconds, keepAlive, deadline, where);
    }

    /**
     * The live session, granting a new one (waiting until {@code deadline} at most) if there is
     * none. A grant is network I/O: no monitor is held, only a lock that makes concurrent callers
     * share one grant.
     */
    EtcdSession current(long deadline) {
        EtcdSession s = session;
        if (s != null && s.isAlive()) {
            return s;
        }
        if (!Threads.tryLockUninterruptibly(lock, deadline)) {
            throw new LockBackendException(where + ": no session lease within the time left", null);
        }
        try {
            s = session;
            if (s == null || !s.isAlive()) {
                if (s != null) {
                    s.stopKeepAlive();
                }
                s = grant(true, deadline);
                session = s;
            }
            return s;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs a write attached to the current session; if the server says the session's lease is
     * gone before the keep-alives noticed, starts a new session and runs it once more.
     */
    <T> T withSession(long deadline, Function<EtcdSession, T> write) {
        EtcdSession s = current(deadline);
        try {
            return write.apply(s);
        } catch (LockBackendException e) {
            if (!EtcdSession.isLeaseNotFound(e)) {
                throw e;
            }
            s.invalidate("the server no longer knows it");
            return write.apply(current(deadline));
        }
    }

    /**
     * A kept-alive lease of its own for one acquisition: the one given back by a released
     * acquisition if it is still alive, else one granted now, waiting until {@code deadline}.
     */
    EtcdSession ownLease(long deadline) {
        EtcdSession ready = spare.getAndSet(null);
        if (ready != null && ready.isAlive()) {
            return ready;
        }
        if (ready != null) {
            ready.revokeInBackground();
        }
        return grant(true, deadline);
    }

    /**
     * Takes back the lease of a released acquisition, which no request under way uses any more
     * (the caller's promise), for the next acquisition; revokes it if one is kept already, it is
     * not alive, or the sessions are closed.
     */
    void giveBack(EtcdSession lease) {
        if (closed || !lease.isAlive() || !spare.compareAndSet(null, lease)) {
            lease.revokeInBackground();
            return;
        }
        if (closed) {
            // close() may have looked before it was set
            EtcdSession late = spare.getAndSet(null);
            if (late != null) {
                late.revokeInBackground();
            }
        }
    }

    /** The id of the lease kept for the next acquisition, or 0 if none; for tests. */
    long spareId() {
        EtcdSession s = spare.get();
        return s == null ? 0L : s.id();
    }

    /**
     * Runs {@code task} after {@code delayNanos} on the keep-alive thread (a task that only wakes
     * someone: it must not block).
     *
     * @return false if the factory is closing and the task will not run
     */
    boolean schedule(Runnable task, long delayNanos) {
        try {
            keepAlives.schedule(task, delayNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
    }

    /** Revokes the session (deleting whatever is still attached to it) and stops the keep-alives. */
    void close() {
        closed = true;
        EtcdSession ready = spare.getAndSet(null);
        if (ready != null) {
            ready.revokeQuietly(where);
        }
        EtcdSession s = session;
        if (s != null) {
            s.revokeQuietly(where);
        }
        keepAlives.shutdownNow();
    }
}
