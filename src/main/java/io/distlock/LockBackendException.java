package io.distlock;

/**
 * Thrown when the back end of a distributed lock (a Redis or etcd server) cannot be reached or
 * answers with an error, after the configured retries.
 *
 * <p>When it is thrown by an acquisition the lock is not held, and any lease whose creation had
 * an unknown outcome has been released (or, if even that failed, runs out by itself within one
 * lease time, since it is never renewed).
 */
public class LockBackendException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message and the back end's own exception.
     *
     * @param message what was attempted and what failed
     * @param cause the client library's exception, may be {@code null}
     */
    public LockBackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
