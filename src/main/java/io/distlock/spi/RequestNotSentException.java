package io.distlock.spi;

import io.distlock.LockBackendException;

/**
 * Thrown by a back end when a request certainly never reached a server: no connection to any
 * server could be made for it (every endpoint refused the connection), so the server cannot have
 * applied it. The engine cleans up nothing after such a failure, where after any other failure
 * the outcome is unknown and whatever the request may have written is removed in the background.
 * A back end that cannot be sure throws a plain {@link LockBackendException}. Never permanent:
 * the server may be back at the next attempt.
 */
public class RequestNotSentException extends LockBackendException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was attempted, where, and why no connection could be made
     * @param cause the connection failure, may be {@code null}
     */
    public RequestNotSentException(String message, Throwable cause) {
        super(message, cause);
    }
}
