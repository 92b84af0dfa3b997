package io.distlock.spi;

/**
 * A registration for release announcements of one lock name, made by {@link LockBackend#watch}.
 */
public interface ReleaseWatch extends AutoCloseable {

    /**
     * Whether announcements are being delivered right now. While it is {@code false} (still
     * subscribing, or reconnecting after a failure) the engine re-checks the lock on a short
     * timer instead of relying on announcements.
     *
     * @return {@code true} if a release would be announced to this watch
     */
    boolean isActive();

    /** Stops announcements to this watch. Idempotent. */
    @Override
    void close();
}
