package io.distlock;

/**
 * Thrown when the back end of a distributed lock (a Redis or etcd server) cannot be reached or
 * answers with an error, after the configured retries.
 *
 * <p>When it is thrown by an acquisition the lock is not held. Whatever an attempt with an
 * unknown outcome may have left on the server (a lease whose answer was lost, a queued request)
 * is removed by the factory in the background, retried until the server confirms it; the lease
 * is never renewed meanwhile.
 *
 * <p>An error that retrying cannot cure (bad credentials, a missing permission, a read-only
 * replica, an unknown command) is {@linkplain #isPermanent() permanent}: it is thrown at once,
 * without the configured retries, and its message says what to fix.
 */
public class LockBackendException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Whether retrying cannot help (bad credentials, a missing permission, a read-only server). */
    private final boolean permanent;

    /**
     * Creates an exception for a failure that may pass (the server unreachable, restarting, too
     * slow).
     *
     * @param message what was attempted and what failed
     * @param cause the client library's exception, may be {@code null}
     */
    public LockBackendException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /**
     * Creates an exception.
     *
     * @param message what was attempted, what failed and, for a permanent error, what to fix
     * @param cause the client library's exception, may be {@code null}
     * @param permanent whether retrying cannot help
     */
    public LockBackendException(String message, Throwable cause, boolean permanent) {
        super(message, cause);
        this.permanent = permanent;
    }

    /**
     * Whether retrying cannot help: the server refused the request for a reason that lasts (bad
     * credentials, a missing permission, a read-only replica, an unknown command). Such errors are
     * never retried.
     *
     * @return {@code true} for a permanent error
     */
    public boolean isPermanent() {
        return permanent;
    }
}
