package io.distlock.etcd;

import io.distlock.LockBackendException;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting on jetcd's futures with a bound, and turning their failures into the SPI's exception. */
final class EtcdCalls {

    private EtcdCalls() {
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /**
     * Waits for a call at most {@code timeout}. An interrupt does not abandon the call (the
     * engine owns interrupts); it is kept for the caller.
     */
    static <T> T await(CompletableFuture<T> call, Duration timeout, String what, String where) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                try {
                    return call.get(Math.max(deadline - System.nanoTime(), 0L), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    throw new LockBackendException(where + ": " + what + " failed: " + cause.getMessage(), cause);
                } catch (TimeoutException e) {
                    call.cancel(true);
                    throw new LockBackendException(where + ": " + what + " got no answer within " + timeout, e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
