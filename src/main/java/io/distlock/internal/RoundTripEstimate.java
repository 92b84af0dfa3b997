package io.distlock.internal;

/**
 * A smoothed round-trip time: each measurement moves the estimate an eighth of the way towards
 * it (as TCP smooths its round-trip time), so that one slow call does not swing it. Safe for
 * concurrent use; a measurement lost to a race between two writers only delays the estimate.
 */
final class RoundTripEstimate {

    private volatile long nanos;

    /**
     * Creates an estimate.
     *
     * @param initialNanos the estimate before the first measurement
     * @throws IllegalArgumentException if {@code initialNanos} is negative
     */
    public RoundTripEstimate(long initialNanos) {
        if (initialNanos < 0) {
            throw new IllegalArgumentException("initialNanos must not be negative, was " + initialNanos);
        }
        this.nanos = initialNanos;
    }

    /**
     * Feeds one measured round trip into the estimate; negative measurements are ignored.
     *
     * @param measuredNanos the duration of one round trip
     */
    public void record(long measuredNanos) {
        if (measuredNanos < 0) {
            return;
        }
        long rtt = nanos;
        nanos = rtt + (measuredNanos - rtt) / 8;
    }

    /**
     * The estimate.
     *
     * @return the smoothed round trip in nanoseconds
     */
    public long nanos() {
        return nanos;
    }

    /**
     * {@code factor} round trips, kept between {@code minNanos} and {@code maxNanos}.
     *
     * @param factor how many round trips
     * @param minNanos the least result
     * @param maxNanos the greatest result
     * @return the bounded multiple of the estimate
     */
    public long scaled(int factor, long minNanos, long maxNanos) {
        long n = nanos;
        long multiple = n > maxNanos / Math.max(factor, 1) ? maxNanos : factor * n;
        return Math.min(maxNanos, Math.max(minNanos, multiple));
    }
}
