package io.distlock.spi;

import io.distlock.LockBackendException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Thrown by a back end that stopped waiting for a request the server may still apply: its answer
 * did not come within the caller's time, but the request itself is still under way (queued in a
 * frozen server, say). The engine's clean-up of such an acquisition waits until the request has
 * ended before it removes what the request may have written, so that a request applied late
 * cannot leave a lock behind.
 */
public class RequestAbandonedException extends LockBackendException {

    private static final long serialVersionUID = 1L;

    private final transient CompletableFuture<?> request;

    /**
     * Creates the exception.
     *
     * @param message what was attempted and for how long it was waited for
     * @param cause the timeout, may be {@code null}
     * @param request the request, which completes (normally or not) when it has ended
     * @throws NullPointerException if {@code request} is {@code null}
     */
    public RequestAbandonedException(String message, Throwable cause, CompletableFuture<?> request) {
        super(message, cause);
        this.request = Objects.requireNonNull(request, "request");
    }

    /**
     * The abandoned request: it completes when the request has ended, whatever its outcome.
     *
     * @return the request
     */
    public CompletableFuture<?> request() {
        return request;
    }
}
