package io.distlock.spi;

/**
 * The outcome of one {@link LockBackend#tryAcquire} attempt: either the lease was created, with
 * its fencing token and how long the server keeps it, or the lock is busy, with the current
 * holder's remaining lease.
 */
public final class AcquireResult {

    /**
     * The largest fencing token a back end may issue: the engine gives each holder of one lease a
     * token of its own by appending a local sequence number in the low bits, which must not
     * overflow.
     */
    public static final long MAX_FENCING_TOKEN = (1L << 52) - 1;

    private final boolean acquired;
    private final long value;
    private final long validMillis;

    private AcquireResult(boolean acquired, long value, long validMillis) {
        this.acquired = acquired;
        this.value = value;
        this.validMillis = validMillis;
    }

    /**
     * The lease was created.
     *
     * @param fencingToken the fencing token of the new lease: positive, at most
     *        {@link #MAX_FENCING_TOKEN}, and greater than every token issued before for the name
     * @param validMillis how long the server keeps the lease at least, counted from before the
     *        request was sent; never more than the server's own expiry (the engine trusts the
     *        lease that long without asking), and at most the requested lease. A grant whose
     *        validity has passed by the time its answer arrives (or is 0) is not taken as a hold:
     *        the engine gives the token back in the background and tries again with a new one
     * @return the result
     * @throws IllegalArgumentException if the token is out of range or the validity negative
     */
    public static AcquireResult acquired(long fencingToken, long validMillis) {
        if (fencingToken <= 0 || fencingToken > MAX_FENCING_TOKEN) {
            throw new IllegalArgumentException("fencing token must be between 1 and " + MAX_FENCING_TOKEN
                    + ", was " + fencingToken);
        }
        if (validMillis < 0) {
            throw new IllegalArgumentException("validMillis must not be negative, was " + validMillis);
        }
        return new AcquireResult(true, fencingToken, validMillis);
    }

    /**
     * Another owner holds the lease.
     *
     * @param holderLeaseMillis the holder's remaining lease in milliseconds, or a negative number
     *        if unknown
     * @return the result
     */
    public static AcquireResult busy(long holderLeaseMillis) {
        return new AcquireResult(false, holderLeaseMillis, -1);
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
     * How long the server keeps the new lease at least, counted from before the request was sent.
     *
     * @return milliseconds
     * @throws IllegalStateException if the lock was busy
     */
    public long validMillis() {
        if (!acquired) {
            throw new IllegalStateException("not acquired");
        }
        return validMillis;
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
        return acquired ? "acquired(fence=" + value + ", validMillis=" + validMillis + ")" : "busy(holderLeaseMillis=" + value + ")";
    }
}
