package io.distlock.internal;

import java.util.concurrent.TimeUnit;

/**
 * The one owner of giving the waiters of other JVMs their turn, and of the factory's one estimate
 * of an acquire round trip it is sized with.
 *
 * <pre>
 * A JVM that releases a lock while its own threads are queued could take it again at once and
 * would win nearly every time against a waiter elsewhere, which needs one hop to hear the release
 * and one round trip to acquire. Two mechanisms give that waiter its turn, both sized with the
 * round trips measured here (the acquire loop records each attempt, a stall counting as
 * MAX_SAMPLE_NANOS at most so that one does not hold the windows up for long):
 *   - the courtesy window (non-fair locks): the releasing JVM's next acquisition of the name
 *     first waits COURTESY_RTT_FACTOR round trips (between 1 and 50 ms) when others listened for
 *     the release (AcquireLoop.requestCourtesy);
 *   - a back end that reserves a released lock for other processes' waiters (non-fair Redis and
 *     etcd transactions: HandOverReservations, kept by the releasing factory) sizes its hand-over
 *     window with the same estimate, given to it through LockBackend.useRoundTripEstimate when
 *     the engine is made.
 * Written by acquiring threads (record), read by releasing threads and the back end.
 * </pre>
 */
final class TurnsForOtherJvms {

    static final long COURTESY_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long COURTESY_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    static final int COURTESY_RTT_FACTOR = 3;
    /** The longest single measurement counted (a first call, a stall). */
    static final long MAX_SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final RoundTripEstimate roundTrips = new RoundTripEstimate(COURTESY_MIN_NANOS / COURTESY_RTT_FACTOR);

    /** Feeds one measured acquire round trip into the estimate. */
    void record(long nanos) {
        roundTrips.record(Math.min(nanos, MAX_SAMPLE_NANOS));
    }

    /** The smoothed acquire round trip, in nanoseconds. */
    long roundTripNanos() {
        return roundTrips.nanos();
    }

    /**
     * How long a JVM that just gave a lease back while its own threads were queued, and while
     * other JVMs were listening for the release, waits before competing for it again: several
     * round trips.
     */
    long courtesyNanos() {
        return roundTrips.scaled(COURTESY_RTT_FACTOR, COURTESY_MIN_NANOS, COURTESY_MAX_NANOS);
    }
}
