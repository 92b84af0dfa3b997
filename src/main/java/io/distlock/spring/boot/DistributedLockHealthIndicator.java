package io.distlock.spring.boot;

import io.distlock.DistributedLockFactory;
import io.distlock.LockObserver;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The health of a lock factory, for Spring Boot's health endpoint: whether its server answers and
 * whether the leases it holds are being renewed.
 *
 * <p>Each check asks the server whether the lock {@value #PROBE_LOCK} is held
 * ({@link DistributedLockFactory#ping()}: one read, without the factory's retries, so that a
 * frozen server makes the check fail within the client's own bound; no lock is taken). The status is {@code DOWN} if that fails, or if the
 * factory holds a lease of a lock whose last renewal failed (that lease may run out), lock by
 * lock: one lock's failure is not cleared by another's success, and it stops counting once that
 * lock's renewal succeeds, its lease is lost, or the factory no longer holds a lease of that
 * name (released); otherwise {@code UP}. The details: {@code backend} (the factory class),
 * {@code keyPrefix}, {@code heldLeases}, {@code waitingThreads}, {@code renewals} and
 * {@code renewalFailures} and {@code leasesLost} since the indicator was created, and
 * {@code lastRenewal} / {@code lastRenewalFailure} (instants), {@code failingRenewals} (the
 * names of the held locks whose last renewal failed, when there are any), plus the error of a
 * failed check.
 *
 * <p>The indicator observes the factory's renewals and lost leases
 * ({@link DistributedLockFactory#addObserver}) until {@link #close()}; it does not time
 * acquisitions ({@link LockObserver#timesAcquisitions()}), so the locks pay nothing for it on
 * their acquire path. Thread-safe.
 */
public class DistributedLockHealthIndicator extends AbstractHealthIndicator implements AutoCloseable {

    /** The name of the lock whose state each check reads from the server. */
    public static final String PROBE_LOCK = DistributedLockFactory.PING_LOCK;

    private final DistributedLockFactory factory;
    private final AtomicLong renewals = new AtomicLong();
    private final AtomicLong renewalFailures = new AtomicLong();
    private final AtomicLong leasesLost = new AtomicLong();
    private final AtomicReference<Instant> lastRenewal = new AtomicReference<>();
    private final AtomicReference<Instant> lastRenewalFailure = new AtomicReference<>();
    /**
     * The locks whose last renewal failed, with the time (System.nanoTime) of that failure; a
     * success or a loss of the name removes it, and a check removes the names no longer held
     * whose failure came before it read the held names.
     */
    private final ConcurrentHashMap<String, Long> failing = new ConcurrentHashMap<>();
    private final LockObserver observer = new LockObserver() {
        @Override
        public void renewed(String lockName, boolean succeeded) {
            if (succeeded) {
                renewals.incrementAndGet();
                lastRenewal.set(Instant.now());
            } else {
                renewalFailures.incrementAndGet();
                lastRenewalFailure.set(Instant.now());
            }
            if (succeeded) {
                failing.remove(lockName);
            } else {
                failing.put(lockName, System.nanoTime());
            }
        }

        @Override
        public void leaseLost(String lockName) {
            leasesLost.incrementAndGet();
            // the hold is over: its loss is counted, its renewal no longer matters
            failing.remove(lockName);
        }

        @Override
        public boolean timesAcquisitions() {
            // renewals and losses only: the locks read no clock for it
            return false;
        }

        @Override
        public String toString() {
            return "DistributedLockHealthIndicator";
        }
    };

    /**
     * Creates the indicator of {@code factory} and starts observing its renewals.
     *
     * @param factory the lock factory
     * @throws NullPointerException if {@code factory} is {@code null}
     */
    public DistributedLockHealthIndicator(DistributedLockFactory factory) {
        super("distributed lock health check failed");
        this.factory = Objects.requireNonNull(factory, "factory");
        factory.addObserver(observer);
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.withDetail("backend", factory.getClass().getSimpleName())
                .withDetail("keyPrefix", factory.keyPrefix());
        long start = System.nanoTime();
        factory.ping();
        long answeredMicros = (System.nanoTime() - start) / 1_000;
        int held = factory.heldLeaseCount();
        java.util.List<String> failingNames = failingHeldLocks();
        boolean failing = !failingNames.isEmpty();
        (failing ? builder.down() : builder.up())
                .withDetail("answeredInMillis", answeredMicros / 1000.0)
                .withDetail("heldLeases", held)
                .withDetail("waitingThreads", factory.waitingThreadCount())
                .withDetail("renewals", renewals.get())
                .withDetail("renewalFailures", renewalFailures.get())
                .withDetail("leasesLost", leasesLost.get());
        Instant renewal = lastRenewal.get();
        if (renewal != null) {
            builder.withDetail("lastRenewal", renewal.toString());
        }
        Instant failure = lastRenewalFailure.get();
        if (failure != null) {
            builder.withDetail("lastRenewalFailure", failure.toString());
        }
        if (failing) {
            builder.withDetail("failingRenewals", failingNames)
                    .withDetail("reason", "the last lease renewal of " + failingNames.size()
                            + (failingNames.size() == 1 ? " held lock" : " held locks") + " failed");
        }
    }

    /**
     * The names of the held locks whose last renewal failed, sorted; forgets the failures of
     * names no longer held (released after the failure, without a renewal or loss since). A
     * factory that does not list its held leases counts every failure while it holds any.
     */
    private java.util.List<String> failingHeldLocks() {
        if (failing.isEmpty()) {
            return java.util.List.of();
        }
        long readAt = System.nanoTime();
        java.util.Set<String> held;
        try {
            held = factory.heldLeaseNames();
        } catch (UnsupportedOperationException notListed) {
            held = factory.heldLeaseCount() > 0 ? null : java.util.Set.of();
        }
        java.util.List<String> names = new java.util.ArrayList<>();
        for (java.util.Map.Entry<String, Long> e : failing.entrySet()) {
            if (held == null || held.contains(e.getKey())) {
                names.add(e.getKey());
            } else if (e.getValue() - readAt < 0) {
                // failed before the held names were read, and not held then: released since
                failing.remove(e.getKey(), e.getValue());
            }
        }
        java.util.Collections.sort(names);
        return names;
    }

    /** Stops observing the factory (called by Spring at shutdown). Idempotent. */
    @Override
    public void close() {
        factory.removeObserver(observer);
    }
}
