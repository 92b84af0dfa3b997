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

    /**
     * Whether the watch waits for the server to confirm it, and may miss a release made before
     * the confirmation. While it does, the engine makes its next attempt (the one that sees a
     * release made before the watch) only after {@code onRelease} has run or a short re-check
     * time has passed; a back end whose watch says so runs {@code onRelease} once the
     * confirmation comes. The default, for watches that announce every release from the moment
     * they are made (or report {@link #isActive()} false while they cannot): {@code false}.
     *
     * @return {@code true} while a confirmation is awaited
     */
    default boolean awaitsConfirmation() {
        return false;
    }

    /** Stops announcements to this watch. Idempotent. */
    @Override
    void close();
}
