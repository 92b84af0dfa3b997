package io.distlock.spi;

/**
 * What the server says about one lock name at one moment, from {@link LockBackend#inspect}.
 */
public final class LeaseSnapshot {

    private static final LeaseSnapshot FREE = new LeaseSnapshot(false, -1, 0);

    private final boolean locked;
    private final long remainingLeaseMillis;
    private final long fencingToken;

    private LeaseSnapshot(boolean locked, long remainingLeaseMillis, long fencingToken) {
        this.locked = locked;
        this.remainingLeaseMillis = remainingLeaseMillis;
        this.fencingToken = fencingToken;
    }

    /**
     * Nobody holds the lock.
     *
     * @return the snapshot
     */
    public static LeaseSnapshot free() {
        return FREE;
    }

    /**
     * Someone holds the lock.
     *
     * @param remainingLeaseMillis the holder's remaining lease, or a negative number if unknown
     * @param fencingToken the holder's fencing token, or zero if unknown
     * @return the snapshot
     */
    public static LeaseSnapshot held(long remainingLeaseMillis, long fencingToken) {
        return new LeaseSnapshot(true, remainingLeaseMillis, Math.max(fencingToken, 0));
    }

    /** {@return whether someone holds the lock} */
    public boolean isLocked() {
        return locked;
    }

    /** {@return the holder's remaining lease in milliseconds, negative if unknown or free} */
    public long remainingLeaseMillis() {
        return remainingLeaseMillis;
    }

    /** {@return the holder's fencing token, zero if unknown or free} */
    public long fencingToken() {
        return fencingToken;
    }
}
