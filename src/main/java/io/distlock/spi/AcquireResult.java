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
    private final boolean renewAtOnce;

    private AcquireResult(boolean acquired, long value, long validMillis, boolean renewAtOnce) {
        this.acquired = acquired;
        this.value = value;
        this.validMillis = validMillis;
        this.renewAtOnce = renewAtOnce;
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
        return new AcquireResult(true, fencingToken, validMillis, false);
    }

    /**
     * The lease was handed to the caller by another owner's release (a hand-over the back end
     * heard of without a request of its own), for a short time only: as {@link #acquired}, and
     * an engine whose watchdog is on renews the lease at once, in the background, to the full
     * lease time (and again within what is left of it until a renewal succeeds); with the
     * watchdog off it is a fixed lease of {@code validMillis}, so a back end should hand over
     * only with the watchdog on.
     *
     * @param fencingToken the fencing token of the lease (as for {@link #acquired})
     * @param validMillis how long the server keeps the lease at least, counted from before the
     *        caller's attempt (so no longer than from the last request of the caller that the
     *        server answered before the hand-over)
     * @return the result
     * @throws IllegalArgumentException if the token is out of range or the validity negative
     */
    public static AcquireResult handedOver(long fencingToken, long validMillis) {
        AcquireResult r = acquired(fencingToken, validMillis);
        return new AcquireResult(true, r.value, r.validMillis, true);
    }

    /**
     * Another owner holds the lease.
     *
     * @param holderLeaseMillis the holder's remaining lease in milliseconds, or a negative number
     *        if unknown
     * @return the result
     */
    public static AcquireResult busy(long holderLeaseMillis) {
        return new AcquireResult(false, holderLeaseMillis, -1, false);
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
     * Whether the lease must be renewed at once (a {@linkplain #handedOver hand-over}).
     *
     * @return {@code true} for a hand-over
     */
    public boolean renewAtOnce() {
        return renewAtOnce;
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
        return acquired ? (renewAtOnce ? "handedOver" : "acquired") + "(fence=" + value + ", validMillis=" + validMillis + ")"
                : "busy(holderLeaseMillis=" + value + ")";
    }
}
