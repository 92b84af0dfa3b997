package io.distlock.internal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One lease this JVM holds on the server: the owner token, the fencing tokens of its holders,
 * and the local estimate of when it runs out. Shared by the threads of the JVM that receive the
 * lock from each other locally.
 *
 * <pre>
 * Fencing. The back end issues one token per lease, T, greater than every token issued before for
 * the name. The lease's holders (its first owner, then each thread it is handed to locally) get
 * T * 2^HANDOFF_BITS + 0, + 1, + 2, ...: strictly increasing along the chain of holders, and all
 * below the first token of the next lease, which is at least (T + 1) * 2^HANDOFF_BITS. The number
 * of hand-overs of one lease is bounded by LockOptions.MAX_LOCAL_HANDOFFS, below 2^HANDOFF_BITS.
 *
 * The estimate. validUntil is a time before which the server is known to keep the lease: every
 * value it takes was confirmed by the server, counted from before the request was sent. A renewal
 * whose flight overlaps another's cannot tell which of the two the server applied last, so while
 * renewals overlap the estimate is the earliest expiry any of them could have set (see
 * beginRenewal / endRenewal); a single renewal sets it to what the server confirmed, shorter or
 * longer.
 * </pre>
 */
final class Lease {

    /** Low bits of a holder's fencing token that number the local hand-overs of one lease. */
    static final int HANDOFF_BITS = 10;

    final String token;
    /** The first holder's fencing token: the back end's token shifted left by HANDOFF_BITS. */
    final long baseFencingToken;
    /** The fencing token of the current holder; written by the thread that takes the lease over. */
    private volatile long holderFencingToken;
    /** The time (EngineClock) before which the server is known to keep the lease. */
    private volatile long validUntilNanos;
    private final AtomicBoolean lost = new AtomicBoolean();
    /** The time (EngineClock) at which the engine's sweeper next renews (watchdog) or expires (fixed) it. */
    private volatile long dueNanos;
    /**
     * The end (EngineClock) of the term the holder gave this lease (LeaseRenewal.holdFor), or
     * NO_TERM: the watchdog renews it only up to that end, and at that end the sweeper ends it
     * (lost, reported, given back on the server). Written by the holder, read by the sweeper.
     */
    private volatile long termEndNanos;
    private volatile boolean hasTerm;
    /** Whether the last renewal failed and was retried early (the sweeper's thread only). */
    private boolean retriedEarly;
    /**
     * Whether the lease was handed over for a short time and no renewal has confirmed it yet
     * (AcquireResult.handedOver): the sweeper retries its renewal within what is left of it, not
     * a renewal interval later. Written by the acquiring thread before the lease is installed,
     * then by the sweeper's thread.
     */
    private volatile boolean unconfirmedHandOver;
    /** Renewals under way, and the earliest expiry any renewal of the current group could set; guarded by this. */
    private int renewalsInFlight;
    private long renewalGroupBound;

    /** The engine's clock, which every time of this lease is read on. */
    private final EngineClock clock;

    Lease(String token, long backendFencingToken, long validUntilNanos, EngineClock clock) {
        this.clock = clock;
        this.token = token;
        this.baseFencingToken = backendFencingToken << HANDOFF_BITS;
        this.holderFencingToken = baseFencingToken;
        this.validUntilNanos = validUntilNanos;
    }

    /** The fencing token of the thread that holds the lease now. */
    long fencingToken() {
        return holderFencingToken;
    }

    /** Gives the lease to the holder number {@code handoff} of its chain (1 for the first hand-over). */
    void handOver(int handoff) {
        if (handoff <= 0 || handoff >= 1 << HANDOFF_BITS) {
            throw new IllegalStateException("hand-over number out of range: " + handoff);
        }
        holderFencingToken = baseFencingToken + handoff;
    }

    boolean isValid() {
        return !lost.get() && clock.nanoTime() - validUntilNanos < 0;
    }

    boolean isLost() {
        return lost.get();
    }

    boolean hasRunOut() {
        return clock.nanoTime() - validUntilNanos >= 0;
    }

    long validUntilNanos() {
        return validUntilNanos;
    }

    /**
     * A renewal is about to be sent at {@code sentAt}; it can make the server keep the lease
     * until {@code sentAt + requestedNanos} at the latest.
     */
    synchronized void beginRenewal(long sentAt, long requestedNanos) {
        long bound = sentAt + requestedNanos;
        if (renewalsInFlight++ == 0 || bound - renewalGroupBound < 0) {
            renewalGroupBound = bound;
        }
    }

    /**
     * A renewal begun by {@link #beginRenewal} has ended: with the server's confirmation that it
     * keeps the lease until {@code confirmedUntil}, or (when {@code confirmed} is false) without
     * one. While renewals overlap, the estimate becomes the earliest expiry any of them could
     * have set, so it never exceeds the server's whichever the server applied last; a renewal
     * without a confirmation can only shorten it (it may have been applied).
     */
    synchronized void endRenewal(boolean confirmed, long confirmedUntil) {
        renewalsInFlight--;
        long bound = renewalGroupBound;
        if (confirmed) {
            validUntilNanos = confirmedUntil - bound < 0 ? confirmedUntil : bound;
        } else if (bound - validUntilNanos < 0) {
            // an unanswered renewal to a shorter lease may have been applied all the same
            validUntilNanos = bound;
        }
    }

    /** Marks the lease lost; returns true only for the call that made the change. */
    boolean markLost() {
        return lost.compareAndSet(false, true);
    }

    /** Gives the lease a term that ends at {@code endNanos} (EngineClock), unless extended again. */
    void setTermEnd(long endNanos) {
        termEndNanos = endNanos;
        hasTerm = true;
    }

    /** Whether the holder gave the lease a term of its own. */
    boolean hasTerm() {
        return hasTerm;
    }

    long termEndNanos() {
        return termEndNanos;
    }

    /** Whether the lease's own term has ended at {@code now}. */
    boolean termEnded(long now) {
        return hasTerm && now - termEndNanos >= 0;
    }

    /** Sweeper: whether a failed renewal may be retried early (once in a row). */
    boolean retryEarly() {
        if (retriedEarly) {
            return false;
        }
        retriedEarly = true;
        return true;
    }

    /** Sweeper: a renewal succeeded. */
    void renewed() {
        retriedEarly = false;
        unconfirmedHandOver = false;
    }

    /** Marks the lease as handed over for a short time, not confirmed by a renewal yet. */
    void handedOverShort() {
        unconfirmedHandOver = true;
    }

    boolean unconfirmedHandOver() {
        return unconfirmedHandOver;
    }

    long dueNanos() {
        return dueNanos;
    }

    void dueAt(long nanos) {
        this.dueNanos = nanos;
    }
}
