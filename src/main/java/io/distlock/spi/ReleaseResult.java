package io.distlock.spi;

/** The outcome of one {@link LockBackend#release} call. */
public enum ReleaseResult {

    /** The token did not own the lease: it had been lost. Nothing was changed. */
    NOT_OWNED,

    /**
     * The lease was deleted, and the engine need not hold this JVM back: no other process was
     * listening for the release, or the back end itself keeps the free lock from this factory's
     * next waiting acquisitions for a while (the non-fair Redis and etcd-transaction back ends do
     * when another process was marked as waiting).
     */
    RELEASED,

    /**
     * The lease was deleted, and other processes were (or may have been) listening for its
     * release: the engine then gives them a chance to take the lock before this JVM competes
     * for it again. A back end that cannot tell returns this.
     */
    RELEASED_WITH_LISTENERS;

    /** {@return whether the lease was deleted} */
    public boolean released() {
        return this != NOT_OWNED;
    }
}
