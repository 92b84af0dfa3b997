package io.distlock.internal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One lease this JVM holds on the server: the owner token, the fencing token, and the local
 * estimate of when it runs out. Shared by the threads of the JVM that receive the lock from each
 * other locally.
 */
final class Lease {

    final String token;
    final long fencingToken;
    /** System.nanoTime() before which the server is known to keep the lease. */
    private volatile long validUntilNanos;
    private final AtomicBoolean lost = new AtomicBoolean();
    /** System.nanoTime() at which the engine's sweeper next renews (watchdog) or expires (fixed) it. */
    private volatile long dueNanos;

    Lease(String token, long fencingToken, long validUntilNanos) {
        this.token = token;
        this.fencingToken = fencingToken;
        this.validUntilNanos = validUntilNanos;
    }

    boolean isValid() {
        return !lost.get() && System.nanoTime() - validUntilNanos < 0;
    }

    boolean isLost() {
        return lost.get();
    }

    boolean hasRunOut() {
        return System.nanoTime() - validUntilNanos >= 0;
    }

    void extendTo(long validUntilNanos) {
        this.validUntilNanos = validUntilNanos;
    }

    /** Marks the lease lost; returns true only for the call that made the change. */
    boolean markLost() {
        return lost.compareAndSet(false, true);
    }

    long dueNanos() {
        return dueNanos;
    }

    void dueAt(long nanos) {
        this.dueNanos = nanos;
    }
}
