package io.distlock;

/**
 * A periodic renewal of a held lock's lease, started by {@link DistributedLock#autoRenew}. It
 * stops when closed, when the lock is released, or when the lease is lost.
 */
public interface AutoRenewal extends AutoCloseable {

    /**
     * Whether renewals are still being made.
     *
     * @return {@code false} once closed, released or lost
     */
    boolean isActive();

    /** Stops the renewals. Idempotent; the lock stays held. */
    @Override
    void close();
}
