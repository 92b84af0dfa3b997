package io.distlock.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An etcd lease, optionally kept alive by jetcd's keep-alive stream, with a local, conservative
 * estimate of whether the server still has it.
 *
 * <p>The lease counts as alive until its last confirmed expiry: the grant's send time plus its
 * TTL, then each keep-alive answer's arrival time plus the TTL it reports, less a tenth of the
 * TTL for the time the answer spent in flight. A keep-alive answer with no TTL, or the server
 * saying it does not know the lease, marks it dead for good; a broken stream is reopened.
 */
final class EtcdSession {

    private static final Logger log = LoggerFactory.getLogger(EtcdSession.class);

    private final Client client;
    private final long id;
    private final long ttlNanos;
    private volatile long validUntilNanos;
    private volatile boolean dead;
    private volatile CloseableClient keepAlive;
    private volatile boolean stopped;
    private static final long RECONNECT_DELAY_MILLIS = 200;

    private EtcdSession(Client client, long id, long ttlSeconds, long sentAt) {
        this.client = client;
        this.id = id;
        this.ttlNanos = TimeUnit.SECONDS.toNanos(ttlSeconds);
        this.validUntilNanos = sentAt + ttlNanos;
    }

    /** Grants a lease of {@code ttlSeconds} (the server may raise it to its minimum). */
    static EtcdSession grant(Client client, long ttlSeconds, boolean keepAlive, Duration timeout, String where) {
        long sentAt = System.nanoTime();
        LeaseGrantResponse granted = EtcdCalls.await(client.getLeaseClient().grant(ttlSeconds),
                timeout, "lease grant", where);
        EtcdSession session = new EtcdSession(client, granted.getID(), Math.max(ttlSeconds, granted.getTTL()), sentAt);
        if (keepAlive) {
            session.startKeepAlive();
        }
        return session;
    }

    long id() {
        return id;
    }

    boolean isAlive() {
        return !dead && System.nanoTime() - validUntilNanos < 0;
    }

    /** How long the lease is still known to last, in milliseconds; negative if not alive. */
    long remainingMillis() {
        long left = validUntilNanos - System.nanoTime();
        return dead || left <= 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(left);
    }

    private void startKeepAlive() {
        if (dead || stopped) {
            return;
        }
        keepAlive = client.getLeaseClient().keepAlive(id, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse response) {
                if (response.getTTL() <= 0) {
                    markDead("expired");
                    return;
                }
                long ttl = TimeUnit.SECONDS.toNanos(response.getTTL());
                validUntilNanos = System.nanoTime() + ttl - ttl / 10;
            }

            @Override
            public void onError(Throwable t) {
                if (String.valueOf(t.getMessage()).contains("lease not found")) {
                    markDead(t.toString());
                } else {
                    reconnect(t.toString());
                }
            }

            @Override
            public void onCompleted() {
                reconnect("keep-alive stream ended");
            }
        });
    }

    /**
     * The keep-alive stream broke (a member went away, say) while the lease may well be alive on
     * the cluster: open a new stream after a short pause. The lease stays valid locally only until
     * its last confirmed expiry, so a cluster that stays unreachable still costs the lease.
     */
    private void reconnect(String why) {
        log.debug("keep-alive of etcd lease {} interrupted ({}); reconnecting", Long.toHexString(id), why);
        CloseableClient broken = keepAlive;
        keepAlive = null;
        if (broken != null) {
            try {
                broken.close();
            } catch (RuntimeException e) {
                log.trace("closing a broken keep-alive", e);
            }
        }
        CompletableFuture.runAsync(this::startKeepAlive,
                CompletableFuture.delayedExecutor(RECONNECT_DELAY_MILLIS, TimeUnit.MILLISECONDS));
    }

    /**
     * Renews a lease that no keep-alive stream renews (a fixed lease) once, now.
     *
     * @return the granted TTL in milliseconds, counted from before the request was sent, or a
     *         negative number if the server no longer has the lease
     * @throws io.distlock.LockBackendException if the server could not be reached
     */
    long refreshOnce(Duration timeout, String where) {
        long sentAt = System.nanoTime();
        try {
            LeaseKeepAliveResponse r = EtcdCalls.await(client.getLeaseClient().keepAliveOnce(id), timeout,
                    "lease renewal", where);
            if (r.getTTL() <= 0) {
                markDead("expired");
                return -1;
            }
            validUntilNanos = sentAt + TimeUnit.SECONDS.toNanos(r.getTTL());
            return TimeUnit.SECONDS.toMillis(r.getTTL());
        } catch (io.distlock.LockBackendException e) {
            if (isLeaseNotFound(e)) {
                markDead("the server no longer knows it");
                return -1;
            }
            throw e;
        }
    }

    /**
     * How long the lease is known to last, for a renewal: a lease kept alive by its stream is
     * only checked; a fixed one is refreshed now.
     *
     * @return milliseconds, or a negative number if the lease is gone
     */
    long renewal(boolean keptAlive, Duration timeout, String where) {
        return keptAlive ? remainingMillis() : refreshOnce(timeout, where);
    }

    /** Marks the lease gone, for example after the server said it does not know it. */
    void invalidate(String why) {
        markDead(why);
    }

    /** Whether a failure says the server no longer knows the lease. */
    static boolean isLeaseNotFound(RuntimeException e) {
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
        CloseableClient k = keepAlive;
        keepAlive = null;
        if (k != null) {
            k.close();
        }
    }

    /**
     * Stops renewing and revokes the lease, which deletes every key attached to it.
     *
     * @return {@code true} if the server still had the lease
     * @throws io.distlock.LockBackendException if the server could not be reached
     */
    boolean revoke(Duration timeout, String where) {
        stopKeepAlive();
        dead = true;
        try {
            EtcdCalls.await(client.getLeaseClient().revoke(id), timeout, "lease revoke", where);
            return true;
        } catch (io.distlock.LockBackendException e) {
            if (isLeaseNotFound(e)) {
                return false;
            }
            throw e;
        }
    }

    /** Revokes the lease if it can; never throws (a lease not revoked runs out by itself). */
    void revokeQuietly(Duration timeout, String where) {
        try {
            revoke(timeout, where);
        } catch (RuntimeException e) {
            log.debug("could not revoke etcd lease {}; it runs out by itself", Long.toHexString(id), e);
        }
    }

    /** The TTL as granted. */
    Duration ttl() {
        return Duration.ofNanos(ttlNanos);
    }
}
