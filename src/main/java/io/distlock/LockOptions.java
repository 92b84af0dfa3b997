package io.distlock;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings shared by every lock of a factory: the lease, its renewal, the retry policy
 * for back-end errors and the bound on local hand-overs.
 *
 * <p>Obtain one with {@link #defaults()} or {@link #builder()}:
 * <pre>{@code
 * LockOptions options = LockOptions.builder()
 *         .leaseTime(Duration.ofSeconds(10))   // renewed in the background while held
 *         .retryCount(5)
 *         .retryDelay(Duration.ofMillis(200))
 *         .build();
 * }</pre>
 *
 * <p>The defaults are a 30 second lease renewed every 10 seconds, 8 retries of failed back-end
 * calls with a pause that starts at 50 ms and doubles up to 1 s, shortened by up to a fifth at
 * random (about 4.5 s of pauses in all, enough to ride out a server restart or a failover of a
 * few seconds), and at most 8 consecutive local hand-overs. A timed acquisition never retries
 * past its deadline, {@code tryLock()} never retries, and a permanent error (bad credentials, a
 * missing permission) is never retried. A blocking call on an unreachable server so throws after
 * the retries' attempts and pauses: each attempt is bounded by the back end's call timeout
 * (etcd's request timeout, Redis' client timeouts), so the pauses are the whole time only when
 * attempts fail at once (a refused connection).
 */
public final class LockOptions {

    /** The shortest lease accepted: shorter ones could not be renewed across one round trip. */
    public static final Duration MIN_LEASE = Duration.ofMillis(100);
    /** The longest lease accepted. */
    public static final Duration MAX_LEASE = Duration.ofDays(7);
    /** The largest number of retries accepted. */
    public static final int MAX_RETRIES = 1_000;
    /** The longest delay between retries accepted. */
    public static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(10);
    /**
     * The largest number of consecutive local hand-overs accepted: each holder of one lease gets
     * a fencing token of its own, numbered in ten low bits of the token.
     */
    public static final int MAX_LOCAL_HANDOFFS = 1023;
    /**
     * The shortest interval accepted between renewals started by
     * {@link DistributedLock#autoRenew}: each renewal is a network call.
     */
    public static final Duration MIN_RENEW_INTERVAL = Duration.ofMillis(10);

    private static final LockOptions DEFAULTS = builder().build();

    private final Duration leaseTime;
    private final boolean watchdog;
    private final int retryCount;
    private final Duration retryDelay;
    private final int maxLocalHandoffs;
    private final double retryBackoff;
    private final Duration maxRetryDelay;
    private final double retryJitter;
    private final boolean fair;
    /** A third of the lease, computed once: Duration.dividedBy costs a microsecond per call. */
    private final Duration renewInterval;

    private LockOptions(Builder builder) {
        this.leaseTime = builder.leaseTime;
        this.renewInterval = builder.leaseTime.dividedBy(3);
        this.watchdog = builder.watchdog;
        this.retryCount = builder.retryCount;
        this.retryDelay = builder.retryDelay;
        this.maxLocalHandoffs = builder.maxLocalHandoffs;
        this.retryBackoff = builder.retryBackoff;
        this.maxRetryDelay = builder.maxRetryDelay;
        this.retryJitter = builder.retryJitter;
        this.fair = builder.fair;
    }

    /**
     * Returns the default options.
     *
     * @return the defaults
     */
    public static LockOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Returns a builder that starts from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder that starts from these options.
     *
     * @return a new builder holding these options
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.leaseTime = leaseTime;
        b.watchdog = watchdog;
        b.retryCount = retryCount;
        b.retryDelay = retryDelay;
        b.maxLocalHandoffs = maxLocalHandoffs;
        b.retryBackoff = retryBackoff;
        b.maxRetryDelay = maxRetryDelay;
        b.retryJitter = retryJitter;
        b.fair = fair;
        return b;
    }

    /**
     * The time to live of the lease on the server. With the watchdog on, this is how long a JVM
     * that stopped renewing (crashed, frozen) keeps the lock; with it off, how long any hold lasts.
     *
     * @return the lease time
     */
    public Duration leaseTime() {
        return leaseTime;
    }

    /**
     * Whether the lease is renewed in the background while the lock is held.
     *
     * @return {@code true} if the watchdog renews leases
     */
    public boolean watchdog() {
        return watchdog;
    }

    /**
     * How often the watchdog renews a held lease: a third of the lease time.
     *
     * @return the renewal interval
     */
    public Duration renewInterval() {
        return renewInterval;
    }

    /**
     * How many times a failed call to the back end is retried before
     * {@link LockBackendException} is thrown. {@link DistributedLock#tryLock()}, which never
     * waits, makes one attempt and is not retried; a timed acquisition retries only while the
     * pause before the retry ends before its deadline.
     *
     * @return the number of retries, zero or more
     */
    public int retryCount() {
        return retryCount;
    }

    /**
     * The pause between retries of a failed call to the back end.
     *
     * @return the retry delay
     */
    public Duration retryDelay() {
        return retryDelay;
    }

    /**
     * The factor by which the pause grows after each failed retry: 1 keeps it constant, 2 (the
     * default) doubles it each time, up to {@link #maxRetryDelay()}.
     *
     * @return the backoff multiplier, at least 1
     */
    public double retryBackoff() {
        return retryBackoff;
    }

    /**
     * The longest pause between retries when the pause grows.
     *
     * @return the cap on the retry delay
     */
    public Duration maxRetryDelay() {
        return maxRetryDelay;
    }

    /**
     * The share of each pause that is randomised: a pause of {@code d} becomes a random duration
     * between {@code d * (1 - jitter)} and {@code d}. Zero means no randomness; the default is 0.2.
     *
     * @return the jitter, between 0 and 1
     */
    public double retryJitter() {
        return retryJitter;
    }

    /**
     * The pause before retry number {@code retry} (0 for the first): the retry delay times the
     * backoff to the power {@code retry}, capped by the maximum delay, less the jitter.
     *
     * @param retry the number of retries already made, zero or more
     * @param random a number in [0, 1), used for the jitter
     * @return the pause
     * @throws IllegalArgumentException if {@code retry} is negative
     */
    public Duration retryPause(int retry, double random) {
        if (retry < 0) {
            throw new IllegalArgumentException("retry must not be negative, was " + retry);
        }
        double nanos = retryDelay.toNanos() * Math.pow(retryBackoff, retry);
        nanos = Math.min(nanos, Math.max(maxRetryDelay.toNanos(), retryDelay.toNanos()));
        nanos -= nanos * retryJitter * random;
        return Duration.ofNanos((long) nanos);
    }

    /**
     * How many times in a row a released lock may pass to another waiting thread of the same JVM
     * without giving the lease back to the server. Zero gives it back at every release.
     *
     * @return the bound on consecutive local hand-overs
     */
    public int maxLocalHandoffs() {
        return maxLocalHandoffs;
    }

    /**
     * Whether the factory's locks are fair, as {@code new ReentrantLock(true)} and
     * {@code new ReentrantReadWriteLock(true)} are: threads, of this JVM and of every other,
     * acquire in the order they asked the server, and no lease is handed from thread to thread
     * inside a JVM (each holder acquires on the server). On a read/write lock a reader waits for
     * every writer that asked before it, a writer for everyone, and readers that asked one after
     * another get in together. Untimed {@link DistributedLock#tryLock()} does not honour it (it
     * takes a free lock at once, and a read lock's reads past queued writers that do not hold the
     * lock, as {@code ReentrantLock.tryLock()} and {@code ReentrantReadWriteLock}'s do);
     * {@code tryLock(0, unit)} does.
     *
     * @return {@code true} for fair locks; {@code false} by default
     */
    public boolean fair() {
        return fair;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LockOptions)) {
            return false;
        }
        LockOptions other = (LockOptions) o;
        return watchdog == other.watchdog
                && fair == other.fair
                && retryCount == other.retryCount
                && maxLocalHandoffs == other.maxLocalHandoffs
                && leaseTime.equals(other.leaseTime)
                && retryDelay.equals(other.retryDelay)
                && Double.compare(retryBackoff, other.retryBackoff) == 0
                && maxRetryDelay.equals(other.maxRetryDelay)
                && Double.compare(retryJitter, other.retryJitter) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(leaseTime, watchdog, retryCount, retryDelay, maxLocalHandoffs,
                retryBackoff, maxRetryDelay, retryJitter, fair);
    }

    @Override
    public String toString() {
        return "LockOptions[leaseTime=" + leaseTime + ", watchdog=" + watchdog
                + ", retryCount=" + retryCount + ", retryDelay=" + retryDelay
                + ", retryBackoff=" + retryBackoff + ", maxRetryDelay=" + maxRetryDelay
                + ", retryJitter=" + retryJitter + ", maxLocalHandoffs=" + maxLocalHandoffs + ", fair=" + fair + "]";
    }

    /** A builder of {@link LockOptions}; not thread-safe. */
    public static final class Builder {

        private Duration leaseTime = Duration.ofSeconds(30);
        private boolean watchdog = true;
        private int retryCount = 8;
        private Duration retryDelay = Duration.ofMillis(50);
        private int maxLocalHandoffs = 8;
        private double retryBackoff = 2.0;
        private Duration maxRetryDelay = Duration.ofSeconds(1);
        private double retryJitter = 0.2;
        private boolean fair;

        private Builder() {
        }

        /**
         * Makes the pause between retries grow by {@code multiplier} after each retry (default 2;
         * 1 keeps it constant).
         *
         * @param multiplier between 1 and 10
         * @return this builder
         * @throws IllegalArgumentException if it is out of range or not a number
         */
        public Builder retryBackoff(double multiplier) {
            requireArgument(multiplier >= 1.0 && multiplier <= 10.0,
                    "retryBackoff must be between 1 and 10, was %s", multiplier);
            this.retryBackoff = multiplier;
            return this;
        }

        /**
         * Caps the pause between retries when it grows (default 1 s).
         *
         * @param maxRetryDelay between zero and {@link #MAX_RETRY_DELAY}
         * @return this builder
         * @throws NullPointerException if {@code maxRetryDelay} is {@code null}
         * @throws IllegalArgumentException if it is negative or too long
         */
        public Builder maxRetryDelay(Duration maxRetryDelay) {
            Objects.requireNonNull(maxRetryDelay, "maxRetryDelay");
            requireArgument(!maxRetryDelay.isNegative() && maxRetryDelay.compareTo(MAX_RETRY_DELAY) <= 0,
                    "maxRetryDelay must be between 0 and %s, was %s", MAX_RETRY_DELAY, maxRetryDelay);
            this.maxRetryDelay = maxRetryDelay;
            return this;
        }

        /**
         * Randomises each pause between retries by up to this share (default 0.2), so that many
         * clients failing together do not retry together.
         *
         * @param jitter between 0 and 1
         * @return this builder
         * @throws IllegalArgumentException if it is out of range or not a number
         */
        public Builder retryJitter(double jitter) {
            requireArgument(jitter >= 0.0 && jitter <= 1.0, "retryJitter must be between 0 and 1, was %s", jitter);
            this.retryJitter = jitter;
            return this;
        }

        /**
         * Sets the lease time (default 30 s).
         *
         * @param leaseTime between {@link #MIN_LEASE} and {@link #MAX_LEASE}
         * @return this builder
         * @throws NullPointerException if {@code leaseTime} is {@code null}
         * @throws IllegalArgumentException if it is out of range
         */
        public Builder leaseTime(Duration leaseTime) {
            Objects.requireNonNull(leaseTime, "leaseTime");
            requireArgument(leaseTime.compareTo(MIN_LEASE) >= 0 && leaseTime.compareTo(MAX_LEASE) <= 0,
                    "leaseTime must be between %s and %s, was %s", MIN_LEASE, MAX_LEASE, leaseTime);
            this.leaseTime = leaseTime;
            return this;
        }

        /**
         * Turns background renewal of held leases on (the default) or off. With it off every
         * hold ends when the lease time has passed since the lock was acquired by this JVM.
         *
         * @param watchdog {@code true} to renew leases while held
         * @return this builder
         */
        public Builder watchdog(boolean watchdog) {
            this.watchdog = watchdog;
            return this;
        }

        /**
         * Sets how many times a failed back-end call is retried (default 8).
         *
         * @param retryCount between 0 and {@link #MAX_RETRIES}
         * @return this builder
         * @throws IllegalArgumentException if it is out of range
         */
        public Builder retryCount(int retryCount) {
            requireArgument(retryCount >= 0 && retryCount <= MAX_RETRIES,
                    "retryCount must be between 0 and %s, was %s", MAX_RETRIES, retryCount);
            this.retryCount = retryCount;
            return this;
        }

        /**
         * Sets the pause before the first retry (default 50 ms); later pauses grow by the
         * {@linkplain #retryBackoff backoff}.
         *
         * @param retryDelay between zero and {@link #MAX_RETRY_DELAY}
         * @return this builder
         * @throws NullPointerException if {@code retryDelay} is {@code null}
         * @throws IllegalArgumentException if it is negative or too long
         */
        public Builder retryDelay(Duration retryDelay) {
            Objects.requireNonNull(retryDelay, "retryDelay");
            requireArgument(!retryDelay.isNegative() && retryDelay.compareTo(MAX_RETRY_DELAY) <= 0,
                    "retryDelay must be between 0 and %s, was %s", MAX_RETRY_DELAY, retryDelay);
            this.retryDelay = retryDelay;
            return this;
        }

        /**
         * Sets how many consecutive local hand-overs a lease may serve (default 8). Each holder
         * still gets a fencing token of its own.
         *
         * @param maxLocalHandoffs between 0 and {@link #MAX_LOCAL_HANDOFFS}
         * @return this builder
         * @throws IllegalArgumentException if it is out of range
         */
        public Builder maxLocalHandoffs(int maxLocalHandoffs) {
            requireArgument(maxLocalHandoffs >= 0 && maxLocalHandoffs <= MAX_LOCAL_HANDOFFS,
                    "maxLocalHandoffs must be between 0 and %s, was %s", MAX_LOCAL_HANDOFFS, maxLocalHandoffs);
            this.maxLocalHandoffs = maxLocalHandoffs;
            return this;
        }

        /**
         * Makes the factory's locks fair, exclusive and read/write alike (default {@code false});
         * see {@link LockOptions#fair()}. A fair lock gives up local hand-overs, so it costs a
         * server round trip per acquisition and per release whatever the contention.
         *
         * @param fair {@code true} for acquisition in arrival order across JVMs
         * @return this builder
         */
        public Builder fair(boolean fair) {
            this.fair = fair;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the immutable options
         */
        public LockOptions build() {
            return new LockOptions(this);
        }

        private static void requireArgument(boolean ok, String format, Object... args) {
            if (!ok) {
                throw new IllegalArgumentException(String.format(format, args));
            }
        }
    }
}
