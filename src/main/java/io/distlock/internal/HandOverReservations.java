package io.distlock.internal;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A back end's reservations of released non-fair locks for the waiters of other processes, kept
 * by the releasing factory (written once for every back end that reserves; see
 * {@link io.distlock.spi.LockBackend#reservesReleasedLocksForOthers()}).
 *
 * <pre>
 * A process that releases a lock and asks for it again at once would win nearly every time
 * against a waiter elsewhere, which needs one hop to hear the release and one round trip to
 * acquire. So a release that the server says someone waited for reserves the lock here: the
 * factory's own waiting attempts on the name are refused (they still tell the server that they
 * wait, so the next release is announced to them) until the hand-over window ends or someone
 * else takes the lock. Nobody but the releasing factory is ever refused, which is why the
 * reservation is the factory's state and not something an uncontended acquisition has to read
 * on the server. How "someone else took it" is told is the back end's: each reservation carries
 * a back-end mark of the release (Redis: the fence counter at the release, which a take moves
 * on; etcd: the tokens of the waiters marked at the release, whose marks go when they take the
 * lock or give up).
 *
 * The window is three of the factory's smoothed acquire round trips (the engine's one estimate,
 * given through LockBackend.useRoundTripEstimate), between the back end's least window (a
 * waiter's JVM may be slower to wake than loopback is to answer, and a back end's notification
 * slower than its round trip: Redis pub/sub WINDOW_MIN_MILLIS, etcd's watches more) and
 * WINDOW_MAX_MILLIS.
 *
 * Written by the releasing thread, read and ended by the next acquiring one (for an exclusive
 * non-fair lock only the local owner of the name talks to the server, so there is one at a time)
 * and by a back end's watch; entries past their end are pruned when the map grows.
 * </pre>
 */
public final class HandOverReservations {

    /** The least hand-over window of a back end that gives no other. */
    public static final long WINDOW_MIN_MILLIS = 10;
    /** The most hand-over window. */
    public static final long WINDOW_MAX_MILLIS = 50;
    /** Past this many reservations, the ended ones are pruned on the next reservation. */
    private static final int BEFORE_PRUNING = 256;

    /** One reservation: the end of its window ({@code System.nanoTime()}) and the back end's mark of the release. */
    public static final class Reservation {
        private final long until;
        private final String mark;

        private Reservation(long until, String mark) {
            this.until = until;
            this.mark = mark;
        }

        /** The back end's mark of the moment of the release. */
        public String mark() {
            return mark;
        }

        /** What is left of the window in milliseconds, at least 1 (an ended reservation is never handed out). */
        public long millisLeft() {
            return Math.max(1L, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime()));
        }

        /** What is left of the window in nanoseconds (0 once it ended). */
        public long nanosLeft() {
            return Math.max(0L, until - System.nanoTime());
        }
    }

    private final ConcurrentHashMap<String, Reservation> byKey = new ConcurrentHashMap<>();
    private final long minMillis;
    private volatile LongSupplier roundTripNanos;

    /** Reservations with the least window WINDOW_MIN_MILLIS. */
    public HandOverReservations() {
        this(WINDOW_MIN_MILLIS);
    }

    /**
     * Reservations whose window is at least {@code minMillis}.
     *
     * @throws IllegalArgumentException unless 1 &lt;= {@code minMillis} &lt;= WINDOW_MAX_MILLIS
     */
    public HandOverReservations(long minMillis) {
        if (minMillis < 1 || minMillis > WINDOW_MAX_MILLIS) {
            throw new IllegalArgumentException("minMillis must be between 1 and " + WINDOW_MAX_MILLIS + ", was " + minMillis);
        }
        this.minMillis = minMillis;
        long minRoundTrip = TimeUnit.MILLISECONDS.toNanos(minMillis) / 3;
        this.roundTripNanos = () -> minRoundTrip;
    }

    /** Takes the engine's round-trip estimate (see {@link io.distlock.spi.LockBackend#useRoundTripEstimate}). */
    public void useRoundTripEstimate(LongSupplier roundTripNanos) {
        this.roundTripNanos = Objects.requireNonNull(roundTripNanos, "roundTripNanos");
    }

    /** The hand-over window: three smoothed acquire round trips, between the least and the most. */
    public long windowMillis() {
        long three = 3 * Math.min(roundTripNanos.getAsLong(), TimeUnit.MILLISECONDS.toNanos(WINDOW_MAX_MILLIS));
        return Math.max(minMillis, Math.min(WINDOW_MAX_MILLIS, TimeUnit.NANOSECONDS.toMillis(three)));
    }

    /** Reserves the lock {@code key} just released (the back end's {@code mark} of the release) for the window. */
    public void reserve(String key, String mark) {
        long now = System.nanoTime();
        if (byKey.size() >= BEFORE_PRUNING) {
            byKey.values().removeIf(r -> r.until - now <= 0);
        }
        byKey.put(key, new Reservation(now + TimeUnit.MILLISECONDS.toNanos(windowMillis()), mark));
    }

    /** The reservation of {@code key}, or null if there is none or it has ended (then dropped). */
    public Reservation current(String key) {
        if (byKey.isEmpty()) {
            return null;
        }
        Reservation r = byKey.get(key);
        if (r != null && r.until - System.nanoTime() <= 0) {
            byKey.remove(key, r);
            return null;
        }
        return r;
    }

    /** Ends reservation {@code r} of {@code key} (someone else took the lock), unless a newer one replaced it. */
    public void end(String key, Reservation r) {
        byKey.remove(key, r);
    }

    /** The milliseconds left of the reservation of {@code key}, 0 if none; for tests. */
    public long millisLeft(String key) {
        Reservation r = current(key);
        return r == null ? 0L : Math.max(0L, TimeUnit.NANOSECONDS.toMillis(r.until - System.nanoTime()));
    }
}
