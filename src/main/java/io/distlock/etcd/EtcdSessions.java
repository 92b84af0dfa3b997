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
     * A kept-alive lease granted ahead for the next acquisition that needs a lease of its own
     * (ownLease), so that its grant is not a round trip on that acquisition's path; null while
     * none is ready. One at a time, granted in the background after each one taken.
     */
    private final java.util.concurrent.atomic.AtomicReference<EtcdSession> spare = new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicBoolean granting = new java.util.concurrent.atomic.AtomicBoolean();
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
     * A kept-alive lease of its own for one acquisition: the one granted ahead if it is ready and
     * alive (then the next is granted in the background), else one granted now, waiting until
     * {@code deadline}. A lease granted ahead is as good as one granted now: the keep-alives keep
     * its validity, counted from the send time of their last answer, as fresh.
     */
    EtcdSession ownLease(long deadline) {
        EtcdSession ready = spare.getAndSet(null);
        grantSpare();
        if (ready != null && ready.isAlive()) {
            return ready;
        }
        if (ready != null) {
            ready.revokeInBackground();
        }
        return grant(true, deadline);
    }

    /** Grants the next lease ahead, in the background, unless one is ready or under way. */
    private void grantSpare() {
        if (closed || spare.get() != null || !granting.compareAndSet(false, true)) {
            return;
        }
        try {
            EtcdSession.grantAsync(client, keepAlives, timeout, ttlSeconds).whenComplete((s, e) -> {
                granting.set(false);
                if (s != null && (closed || !spare.compareAndSet(null, s))) {
                    s.revokeInBackground();
                }
                if (s != null && closed) {
                    // close() may have looked before this one was set
                    EtcdSession late = spare.getAndSet(null);
                    if (late != null) {
                        late.revokeInBackground();
                    }
                }
            });
        } catch (RuntimeException e) {
            // the client is closing: the next acquisition grants its own
            granting.set(false);
        }
    }

    /** The id of the lease granted ahead, or 0 if none is ready; for tests. */
    long spareId() {
        EtcdSession s = spare.get();
        return s == null ? 0L : s.id();
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
