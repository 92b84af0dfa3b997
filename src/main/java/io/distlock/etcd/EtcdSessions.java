package io.distlock.etcd;

import io.distlock.LockBackendException;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The factory's session lease: granted when first needed, kept alive by its stream, replaced
 * when it dies. Shared by the transaction-flavour locks and the read/write locks of a factory.
 */
final class EtcdSessions {

    private final Client client;
    private final long ttlSeconds;
    private final Duration timeout;
    private final String where;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile EtcdSession session;

    EtcdSessions(Client client, long ttlSeconds, Duration timeout, String where) {
        this.client = client;
        this.ttlSeconds = ttlSeconds;
        this.timeout = timeout;
        this.where = where;
    }

    /** The live session, granting a new one if there is none (a grant is network I/O: no monitor). */
    EtcdSession current() {
        EtcdSession s = session;
        if (s != null && s.isAlive()) {
            return s;
        }
        lock.lock();
        try {
            s = session;
            if (s == null || !s.isAlive()) {
                if (s != null) {
                    s.stopKeepAlive();
                }
                s = EtcdSession.grant(client, ttlSeconds, true, timeout, where);
                session = s;
            }
            return s;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs a write attached to the current session; if the server says the session's lease is
     * gone before the keep-alive stream noticed, starts a new session and runs it once more.
     */
    <T> T withSession(java.util.function.Function<EtcdSession, T> write) {
        EtcdSession s = current();
        try {
            return write.apply(s);
        } catch (LockBackendException e) {
            if (!EtcdSession.isLeaseNotFound(e)) {
                throw e;
            }
            s.invalidate("the server no longer knows it");
            return write.apply(current());
        }
    }

    /** Revokes the session (deleting whatever is still attached to it). */
    void close() {
        EtcdSession s = session;
        if (s != null) {
            s.revokeQuietly(timeout, where);
        }
    }
}
