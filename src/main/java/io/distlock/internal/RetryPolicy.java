package io.distlock.internal;

import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.spi.LockBackend;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The engine's retry policy for back-end calls: how many times a call that failed with a
 * transient error is tried again ({@link LockOptions#retryCount()}), the pause before each retry
 * (the options' backoff with jitter), and the exception that ends the tries, naming the factory,
 * the operation, the lock and the back end. Permanent errors (credentials, permissions) are never
 * retried. Every failure is told to the observers first.
 *
 * <p>Written once here for every call the engine retries (release, renew, inspect, condition
 * steps); the acquire loop uses {@link #pauseNanos} and {@link #giveUp} itself, because its
 * retries also respect a deadline and a fresh token.
 */
final class RetryPolicy {

    private final LockOptions options;
    private final LockBackend backend;
    private final LockEvents events;
    private final String owner;

    RetryPolicy(LockOptions options, LockBackend backend, LockEvents events, String owner) {
        this.options = options;
        this.backend = backend;
        this.events = events;
        this.owner = owner;
    }

    /**
     * Runs a back-end call, retrying transient failures as the options say. The pauses between
     * tries ignore interrupts but keep the interrupt status.
     *
     * @param what the operation, for the message ("release", "renew", ...)
     * @param name the lock name
     * @param call the call
     * @param <T> the call's result type
     * @return the call's result
     * @throws LockBackendException if the call failed permanently or after every retry
     */
    <T> T retrying(String what, String name, Supplier<T> call) {
        boolean interrupted = false;
        try {
            for (int attempt = 0; ; attempt++) {
                try {
                    return call.get();
                } catch (LockBackendException e) {
                    events.backendError(name, e);
                    if (e.isPermanent() || attempt >= options.retryCount()) {
                        throw giveUp(what, name, attempt + 1, e);
                    }
                    interrupted |= pauseUninterruptibly(pauseNanos(attempt));
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The pause before retry number {@code retry} (0 for the first), with the options' backoff and jitter. */
    long pauseNanos(int retry) {
        return options.retryPause(retry, ThreadLocalRandom.current().nextDouble()).toNanos();
    }

    /** Whether a call that failed {@code failures} times in a row may be tried again. */
    boolean mayRetry(int failures) {
        return failures <= options.retryCount();
    }

    /** The exception that ends the tries of {@code what} on {@code name} after {@code attempts} attempts. */
    LockBackendException giveUp(String what, String name, int attempts, LockBackendException cause) {
        if (cause.isPermanent()) {
            return new LockBackendException(owner + ": could not " + what + " lock '" + name + "' on "
                    + backend.describe() + ": " + cause.getMessage(), cause, true);
        }
        return new LockBackendException(owner + ": could not " + what + " lock '" + name + "' on "
                + backend.describe() + " after " + attempts + " attempt(s); the last failed with: "
                + cause.getMessage(), cause);
    }

    /**
     * Pauses for {@code nanos}, ignoring interrupts.
     *
     * @return whether an interrupt was swallowed (the caller restores the status)
     */
    static boolean pauseUninterruptibly(long nanos) {
        boolean interrupted = false;
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                interrupted = true;
            }
        }
        return interrupted;
    }
}
