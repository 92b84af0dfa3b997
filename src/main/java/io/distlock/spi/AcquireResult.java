package io.distlock.spi;

/**
 * The outcome of one {@link LockBackend#tryAcquire} attempt: either the lease was created, with
 * its fencing token, or the lock is busy, with the current holder's remaining lease.
 */
public final class AcquireResult {

    private final boolean acquired;
    private final long value;

    private AcquireResult(boolean acquired, long value) {
        this.acquired = acquired;
        this.value = value;
    }

    /**
     * The lease was created.
     *
     * @param fencingToken the fencing token of the new lease; positive
     * @return the result
     * @throws IllegalArgumentException if the token is not positive
     */
    public static AcquireResult acquired(long fencingToken) {
        if (fencingToken <= 0) {
            throw new IllegalArgumentException("fencing token must be positive, was " + fencingToken);
        }
        return new AcquireResult(true, fencingToken);
    }

    /**
     * Another owner holds the lease.
     *
     * @param holderLeaseMillis the holder's remaining lease in milliseconds, or a negative number
     *        if unknown
     * @return the result
     */
    public static AcquireResult busy(long holderLeaseMillis) {
        return new AcquireResult(false, holderLeaseMillis);
    }

    /**
     * Whether the lease was created.
     *
     * @return {@code true} if acquired
     */
    public boolean isAcquired() {
        return acquired;
    }

    /**
     * The fencing token of the new lease.
     *
     * @return the fencing token
     * @throws IllegalStateException if the lock was busy
     */
    public long fencingToken() {
        if (!acquired) {
            throw new IllegalStateException("not acquired");
        }
        return value;
    }

    /**
     * The holder's remaining lease when busy.
     *
     * @return milliseconds, or a negative number if unknown
     * @throws IllegalStateException if the lock was acquired
     */
    public long holderLeaseMillis() {
        if (acquired) {
            throw new IllegalStateException("acquired");
        }
        return value;
    }

    @Override
    public String toString() {
        return acquired ? "acquired(fence=" + value + ")" : "busy(holderLeaseMillis=" + value + ")";
    }
}
