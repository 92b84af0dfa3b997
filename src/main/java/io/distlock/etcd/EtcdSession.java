package io.distlock.etcd;

import io.distlock.LockBackendException;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An etcd lease, optionally kept alive by this class, with a local estimate of when the server
 * lets it run out that is never later than the server's.
 *
 * <pre>
 * etcd runs a lease's time to live from the moment it processes the grant or the last keep-alive.
 * That moment is after the request was sent, so "send time + TTL" is an expiry the server cannot
 * undercut (assuming the two clocks run at the same rate): the estimate is the send time of the
 * grant, and then of each answered keep-alive, plus the TTL the server reported. Keep-alives are
 * single requests (one at a time, every third of the TTL, 200 ms after a failure), not jetcd's
 * shared stream, precisely so that each answer can be matched with its send time. One that is
 * unanswered for the request timeout or a sixth of the TTL, whichever is shorter (a frozen
 * server, or a member that stopped answering with the request, whose call fails only when gRPC
 * gives the connection up), does not hold the next back: another is sent then, and the
 * estimate lapses only if none is answered in time; a late answer still counts, with its own send
 * time, and only the latest request's answer schedules the next. A broken connection fails the
 * request, and the next one follows 200 ms later.
 *
 * The server saying it does not know the lease (or a TTL of zero) marks it dead for good.
 * </pre>
 */
final class EtcdSession {

    private static final Logger log = LoggerFactory.getLogger(EtcdSession.class);
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Client client;
    private final ScheduledExecutorService scheduler;
    private final Duration timeout;
    private final long id;
    private final long ttlNanos;
    private volatile long validUntilNanos;
    private volatile boolean dead;
    private volatile boolean stopped;
    private volatile ScheduledFuture<?> next;
    /** Keep-alives sent: only the latest one's answer schedules the next. */
    private final java.util.concurrent.atomic.AtomicLong sends = new java.util.concurrent.atomic.AtomicLong();

    private EtcdSession(Client client, ScheduledExecutorService scheduler, Duration timeout, long id,
                        long ttlSeconds, long sentAt) {
        this.client = client;
        this.scheduler = scheduler;
        this.timeout = timeout;
        this.id = id;
        this.ttlNanos = TimeUnit.SECONDS.toNanos(ttlSeconds);
        this.validUntilNanos = sentAt + ttlNanos;
    }

    /**
     * Grants a lease of {@code ttlSeconds} (the server may raise it to its minimum), waiting for
     * the answer until {@code deadline} (nanoTime).
     */
    static EtcdSession grant(Client client, ScheduledExecutorService scheduler, Duration timeout, long ttlSeconds,
                             boolean keepAlive, long deadline, String where) {
        long sentAt = System.nanoTime();
        LeaseGrantResponse granted = EtcdCalls.await(client.getLeaseClient().grant(ttlSeconds),
                deadline, "lease grant", where);
        EtcdSession session = new EtcdSession(client, scheduler, timeout, granted.getID(),
                granted.getTTL() > 0 ? granted.getTTL() : ttlSeconds, sentAt);
        if (keepAlive) {
            session.scheduleKeepAlive(session.ttlNanos / 3);
        } else {
            session.stopped = true;
        }
        return session;
    }

    long id() {
        return id;
    }

    boolean isAlive() {
        return !dead && System.nanoTime() - validUntilNanos < 0;
    }

    /** The time (nanoTime) before which the server is known to keep the lease. */
    long validUntilNanos() {
        return validUntilNanos;
    }

    /**
     * How long, counted from {@code from} (nanoTime), the lease is known to last, in
     * milliseconds; negative if it is not alive.
     */
    long millisValidFrom(long from) {
        if (!isAlive()) {
            return -1;
        }
        return Math.max(TimeUnit.NANOSECONDS.toMillis(validUntilNanos - from), 0L);
    }

    private void scheduleKeepAlive(long delayNanos) {
        if (stopped || dead) {
            return;
        }
        try {
            next = scheduler.schedule(this::keepAliveOnce, Math.max(delayNanos, 0L), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            stopped = true;
        }
    }

    private void keepAliveOnce() {
        if (stopped || dead) {
            return;
        }
        long sentAt = System.nanoTime();
        long mine = sends.incrementAndGet();
        CompletableFuture<LeaseKeepAliveResponse> call;
        try {
            call = client.getLeaseClient().keepAliveOnce(id);
        } catch (RuntimeException e) {
            log.debug("keep-alive of etcd lease {} could not be sent", Long.toHexString(id), e);
            scheduleKeepAlive(RETRY_NANOS);
            return;
        }
        ScheduledFuture<?> overdue = null;
        try {
            overdue = scheduler.schedule(() -> {
                if (!call.isDone() && sends.get() == mine && !stopped && !dead) {
                    log.debug("keep-alive of etcd lease {} unanswered for {}; sending another",
                            Long.toHexString(id), timeout);
                    keepAliveOnce();
                }
            }, Math.min(timeout.toNanos(), ttlNanos / 6), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            stopped = true;
        }
        ScheduledFuture<?> unanswered = overdue;
        call.whenComplete((r, e) -> {
            if (unanswered != null) {
                unanswered.cancel(false);
            }
            long delay;
            if (e == null && r.getTTL() > 0) {
                extendTo(sentAt + TimeUnit.SECONDS.toNanos(r.getTTL()));
                delay = sentAt + TimeUnit.SECONDS.toNanos(r.getTTL()) / 3 - System.nanoTime();
            } else if (e == null || isLeaseNotFound(e)) {
                markDead(e == null ? "expired" : "the server no longer knows it");
                delay = 0;
            } else {
                log.debug("keep-alive of etcd lease {} failed; retrying", Long.toHexString(id), e);
                delay = RETRY_NANOS;
            }
            if (sends.get() == mine) {
                scheduleKeepAlive(delay);   // an earlier request answered late schedules nothing
            }
        });
    }

    private synchronized void extendTo(long until) {
        // the server applies keep-alives in the order it receives them, each setting "its
        // processing time + TTL": a later send time can only mean a later expiry
        if (until - validUntilNanos > 0) {
            validUntilNanos = until;
        }
    }

    /**
     * Renews a lease that is not kept alive (a fixed lease) once, now, waiting until
     * {@code deadline} at most.
     *
     * @return the time (nanoTime) before which the server keeps the lease, or
     *         {@link Long#MIN_VALUE} if the server no longer has it
     * @throws LockBackendException if the server could not be reached
     */
    long refreshOnce(long deadline, String where) {
        long sentAt = System.nanoTime();
        try {
            LeaseKeepAliveResponse r = EtcdCalls.await(client.getLeaseClient().keepAliveOnce(id), deadline,
                    "lease renewal", where);
            if (r.getTTL() <= 0) {
                markDead("expired");
                return Long.MIN_VALUE;
            }
            extendTo(sentAt + TimeUnit.SECONDS.toNanos(r.getTTL()));
            return validUntilNanos;
        } catch (LockBackendException e) {
            if (isLeaseNotFound(e)) {
                markDead("the server no longer knows it");
                return Long.MIN_VALUE;
            }
            throw e;
        }
    }

    /**
     * The end of the lease for a renewal by the engine: a lease kept alive by this class is only
     * checked; a fixed one is refreshed now.
     *
     * @return the time (nanoTime) before which the server keeps the lease, or
     *         {@link Long#MIN_VALUE} if the lease is gone
     */
    long renewal(boolean keptAlive, long deadline, String where) {
        if (keptAlive) {
            return isAlive() ? validUntilNanos : Long.MIN_VALUE;
        }
        return refreshOnce(deadline, where);
    }

    /** Marks the lease gone, for example after the server said it does not know it. */
    void invalidate(String why) {
        markDead(why);
    }

    /** Whether a failure says the server no longer knows the lease. */
    static boolean isLeaseNotFound(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("lease not found")) {
                return true;
            }
        }
        return false;
    }

    private void markDead(String why) {
        if (!dead) {
            dead = true;
            log.debug("etcd lease {} is gone: {}", Long.toHexString(id), why);
            stopKeepAlive();
        }
    }

    /** Stops renewing; the lease then runs out by itself. */
    void stopKeepAlive() {
        stopped = true;
        ScheduledFuture<?> n = next;
        if (n != null) {
            n.cancel(false);
        }
    }

    /**
     * Stops renewing and revokes the lease, which deletes every key attached to it.
     *
     * @return {@code true} if the server still had the lease
     * @throws LockBackendException if the server could not be reached
     */
    boolean revoke(long deadline, String where) {
        stopKeepAlive();
        dead = true;
        try {
            EtcdCalls.await(client.getLeaseClient().revoke(id), deadline, "lease revoke", where);
            return true;
        } catch (LockBackendException e) {
            if (isLeaseNotFound(e)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Stops renewing and asks the server to revoke the lease without waiting for the answer: for
     * a lease nothing depends on (it runs out by itself if the request is lost).
     */
    void revokeInBackground() {
        stopKeepAlive();
        dead = true;
        try {
            client.getLeaseClient().revoke(id).whenComplete((r, e) -> {
                if (e != null) {
                    log.debug("could not revoke etcd lease {}; it runs out by itself", Long.toHexString(id), e);
                }
            });
        } catch (RuntimeException e) {
            log.debug("could not revoke etcd lease {}; it runs out by itself", Long.toHexString(id), e);
        }
    }

    /** Revokes the lease if it can; never throws (a lease not revoked runs out by itself). */
    void revokeQuietly(String where) {
        try {
            revoke(System.nanoTime() + timeout.toNanos(), where);
        } catch (RuntimeException e) {
            log.debug("could not revoke etcd lease {}; it runs out by itself", Long.toHexString(id), e);
        }
    }
}
