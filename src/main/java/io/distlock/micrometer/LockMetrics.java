package io.distlock.micrometer;

import io.distlock.DistributedLockFactory;
import io.distlock.LockBackendException;
import io.distlock.LockObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the metrics of one lock factory to a Micrometer {@link MeterRegistry}. Micrometer
 * ({@code io.micrometer:micrometer-core}) is an optional dependency of the library; this class
 * needs it on the class path.
 *
 * <pre>{@code
 * RedisLockFactory locks = RedisLockFactory.builder().hostAndPort("redis.internal", 6379).build();
 * LockMetrics.builder(locks, "orders")
 *         .publishPercentileHistogram(true)                  // aggregatable across JVMs
 *         .lockNames("invoice-run", "ledger")                // the same allow-list in every JVM
 *         .build()
 *         .bindTo(registry);
 * }</pre>
 *
 * <p>Every meter has the tag {@code factory} (the name given here) and the extra tags given. With
 * {@link Builder#lockNames(Collection) lockNames} or {@link Builder#lockNameTag(Function)
 * lockNameTag} the per-event meters (all but the gauges) also get a {@code lock} tag: the names on
 * the allow-list, or the value of a deterministic rule, get their own; every other name shares
 * {@value #OTHER_LOCKS}. Since the tag depends only on the name, every JVM tags a name the same
 * way, and the series can be summed across JVMs. Off by default.
 *
 * <p>The two timers publish what their distribution statistics ask: nothing but
 * count, sum and max by default. {@link Builder#publishPercentileHistogram(boolean)} adds the
 * buckets a Prometheus {@code histogram_quantile} aggregates across JVMs,
 * {@link Builder#serviceLevelObjectives(Duration...)} buckets at given boundaries,
 * {@link Builder#percentiles(double...)} percentiles computed in this JVM (which cannot be
 * aggregated). A {@code MeterFilter} of the registry, such as Spring Boot's
 * {@code management.metrics.distribution.*} properties, overrides these settings.
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>tags (besides {@code factory}, {@code lock})</th><th>unit</th>
 *     <th>what</th></tr>
 * <tr><td>{@code distlock.acquire}</td><td>timer</td><td>{@code outcome}: {@code acquired},
 *     {@code timeout}, {@code error}, {@code interrupted}; {@code contended}: {@code true},
 *     {@code false} ({@code acquired}), {@code true} ({@code timeout}), {@code unknown}
 *     (the others)</td><td>seconds</td><td>distributed acquisitions (not the re-entrant ones,
 *     which are local), from the call to its return: acquired; {@code tryLock} returned
 *     {@code false}; the call threw an exception (an {@code InterruptedException} for
 *     {@code interrupted}). {@code contended}: whether it had to wait for another holder, in
 *     this JVM or another</td></tr>
 * <tr><td>{@code distlock.hold}</td><td>timer</td><td></td><td>seconds</td><td>holds, from the
 *     acquisition's return to the final {@code unlock()} (or a condition's {@code await})</td></tr>
 * <tr><td>{@code distlock.acquire.waiting}</td><td>gauge</td><td>(no {@code lock})</td>
 *     <td>threads</td><td>threads waiting to acquire now: queued behind a thread of this JVM, or
 *     waiting for the server ({@link DistributedLockFactory#waitingThreadCount()})</td></tr>
 * <tr><td>{@code distlock.handovers}</td><td>counter</td><td></td><td></td><td>acquisitions that
 *     took the lease of the previous holder in this JVM, with no network call</td></tr>
 * <tr><td>{@code distlock.renewals}</td><td>counter</td><td>{@code result}: {@code success},
 *     {@code failure}</td><td></td><td>lease renewals sent to the server</td></tr>
 * <tr><td>{@code distlock.leases.lost}</td><td>counter</td><td></td><td></td><td>leases lost
 *     while held</td></tr>
 * <tr><td>{@code distlock.backend.errors}</td><td>counter</td><td>{@code kind}:
 *     {@code transient}, {@code permanent}</td><td></td><td>failed calls to the server (each
 *     attempt)</td></tr>
 * <tr><td>{@code distlock.leases.held}</td><td>gauge</td><td>(no {@code lock})</td><td></td>
 *     <td>leases the factory holds now</td></tr>
 * <tr><td>{@code distlock.registry.size}</td><td>gauge</td><td>(no {@code lock})</td><td></td>
 *     <td>lock names with local state</td></tr>
 * </table>
 *
 * <p>In Prometheus the timers are {@code distlock_acquire_seconds} and
 * {@code distlock_hold_seconds} ({@code _count}, {@code _sum}, {@code _max}, {@code _bucket}),
 * the counters end in {@code _total}, the waiting gauge is {@code distlock_acquire_waiting_threads}.
 *
 * <p>Instances are thread-safe. Events are recorded on the thread they happen on, at the cost of
 * two clock readings per distributed acquisition, one per release and a few counter increments;
 * with the meters removed by {@link #close()}, the factory reads no clock for them again. A
 * closed instance can be bound again.
 */
public final class LockMetrics implements MeterBinder, AutoCloseable {

    /** The {@code lock} tag of names that get no series of their own. */
    public static final String OTHER_LOCKS = "(other)";

    /** The most distinct values of the {@code lock} tag a {@link Builder#lockNameTag rule} may give. */
    public static final int MAX_LOCK_TAGS = 1000;

    private static final Logger log = LoggerFactory.getLogger(LockMetrics.class);

    private final DistributedLockFactory factory;
    private final Tags tags;
    private final Set<String> lockNames;
    private final Function<String, String> lockNameTag;
    private final double[] percentiles;
    private final boolean histogram;
    private final Duration[] slos;
    private final Duration minExpected;
    private final Duration maxExpected;
    private final Recorder recorder = new Recorder();
    /** Per-name meters, by lock name (with the rule) or by tag value. */
    private final ConcurrentMap<String, Meters> byName = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Meters> byTag = new ConcurrentHashMap<>();
    private final List<Meter> meters = new ArrayList<>();
    private MeterRegistry registry;
    /** The meters of every name (no lock tag), or null; null while unbound. */
    private volatile Meters all;
    /** The meters of the other names (lock tag OTHER_LOCKS), or null. */
    private volatile Meters other;
    private boolean warnedTooManyTags;

    private LockMetrics(Builder b) {
        this.factory = b.factory;
        this.tags = Tags.of(b.tags).and("factory", b.factoryName);
        this.lockNames = Set.copyOf(b.lockNames);
        this.lockNameTag = b.lockNameTag;
        this.percentiles = b.percentiles.clone();
        this.histogram = b.histogram;
        this.slos = b.slos.clone();
        this.minExpected = b.minExpected;
        this.maxExpected = b.maxExpected;
    }

    /**
     * Publishes the metrics of {@code factory} to {@code registry}, without per-name tags and
     * with the default distribution (count, sum and max).
     *
     * @param registry the registry
     * @param factory the factory
     * @param factoryName the value of the {@code factory} tag
     * @param tags extra tags, as key-value pairs
     * @return the bound metrics; {@link #close()} removes them
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code tags} has an odd number of elements
     */
    public static LockMetrics monitor(MeterRegistry registry, DistributedLockFactory factory, String factoryName,
                                      String... tags) {
        LockMetrics metrics = builder(factory, factoryName).tags(Tags.of(tags)).build();
        metrics.bindTo(registry);
        return metrics;
    }

    /**
     * Returns a builder of the metrics of {@code factory}.
     *
     * @param factory the factory
     * @param factoryName the value of the {@code factory} tag
     * @return the builder
     * @throws NullPointerException if an argument is {@code null}
     */
    public static Builder builder(DistributedLockFactory factory, String factoryName) {
        return new Builder(factory, factoryName);
    }

    /**
     * Registers the meters in {@code registry} and starts recording.
     *
     * @param registry the registry (a {@code CompositeMeterRegistry} to publish to several)
     * @throws NullPointerException if {@code registry} is {@code null}
     * @throws IllegalStateException if these metrics are bound and not closed since
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (this.registry != null) {
            throw new IllegalStateException("these lock metrics are already bound to a registry (close() them "
                    + "first, or bind one CompositeMeterRegistry to publish to several)");
        }
        this.registry = registry;
        meters.add(Gauge.builder("distlock.leases.held", factory, DistributedLockFactory::heldLeaseCount)
                .description("leases the factory holds on the server").tags(tags).register(registry));
        meters.add(Gauge.builder("distlock.registry.size", factory, DistributedLockFactory::localRegistrySize)
                .description("lock names the factory keeps local state for").tags(tags).register(registry));
        meters.add(Gauge.builder("distlock.acquire.waiting", factory, DistributedLockFactory::waitingThreadCount)
                .description("threads waiting to acquire a lock of the factory").baseUnit("threads").tags(tags)
                .register(registry));
        if (lockNames.isEmpty() && lockNameTag == null) {
            all = new Meters(tags);
        } else {
            other = new Meters(tags.and("lock", OTHER_LOCKS));
            for (String name : lockNames) {
                byTag.put(name, new Meters(tags.and("lock", name)));
            }
        }
        factory.addObserver(recorder);
    }

    /** Stops recording and removes every meter from the registry; the metrics can be bound again. Idempotent. */
    @Override
    public synchronized void close() {
        if (registry == null) {
            return;
        }
        factory.removeObserver(recorder);
        for (Meter m : meters) {
            registry.remove(m);
        }
        meters.clear();
        byName.clear();
        byTag.clear();
        all = null;
        other = null;
        registry = null;
    }

    /** A timer builder with the distribution asked for. */
    private Timer.Builder timer(String name, String description) {
        Timer.Builder b = Timer.builder(name).description(description);
        if (percentiles.length > 0) {
            b.publishPercentiles(percentiles);
        }
        if (histogram) {
            b.publishPercentileHistogram(true);
        }
        if (slos.length > 0) {
            b.serviceLevelObjectives(slos);
        }
        if (minExpected != null) {
            b.minimumExpectedValue(minExpected);
        }
        if (maxExpected != null) {
            b.maximumExpectedValue(maxExpected);
        }
        return b;
    }

    /** The meters of {@code lockName}, or null once closed. */
    private Meters meters(String lockName) {
        Meters m = all;
        if (m != null) {
            return m;
        }
        if (lockNameTag == null) {
            m = byTag.get(lockName);
            return m != null ? m : other;
        }
        m = byName.get(lockName);
        if (m != null) {
            return m;
        }
        String tag = lockNames.contains(lockName) ? lockName : lockNameTag.apply(lockName);
        synchronized (this) {
            if (other == null) {
                return null; // closed
            }
            if (tag == null) {
                m = other;
            } else {
                m = byTag.get(tag);
                if (m == null) {
                    if (byTag.size() < lockNames.size() + MAX_LOCK_TAGS) {
                        m = new Meters(tags.and("lock", tag));
                        byTag.put(tag, m);
                    } else {
                        if (!warnedTooManyTags) {
                            warnedTooManyTags = true;
                            log.warn("{}: the lock name rule gave more than {} tag values; lock '{}' and further "
                                    + "new values are tagged {}", recorder, MAX_LOCK_TAGS, lockName, OTHER_LOCKS);
                        }
                        m = other;
                    }
                }
            }
            if (byName.size() < 10_000) {
                byName.put(lockName, m);
            }
            return m;
        }
    }

    /** The meters of one series (all locks, one tag value, or the other names). */
    private final class Meters {
        final Timer acquired;
        final Timer acquiredContended;
        final Timer timeout;
        final Timer error;
        final Timer interrupted;
        final Timer hold;
        final Counter handOvers;
        final Counter renewed;
        final Counter renewFailed;
        final Counter lost;
        final Counter transientErrors;
        final Counter permanentErrors;

        Meters(Tags t) {
            acquired = acquireTimer(t, "acquired", "false");
            acquiredContended = acquireTimer(t, "acquired", "true");
            timeout = acquireTimer(t, "timeout", "true");
            error = acquireTimer(t, "error", "unknown");
            interrupted = acquireTimer(t, "interrupted", "unknown");
            hold = add(timer("distlock.hold", "holds, acquisition to release").tags(t).register(registry));
            handOvers = counter("distlock.handovers", "leases handed to the next holder in this JVM", t);
            renewed = counter("distlock.renewals", "lease renewals", t.and("result", "success"));
            renewFailed = counter("distlock.renewals", "lease renewals", t.and("result", "failure"));
            lost = counter("distlock.leases.lost", "leases lost while held", t);
            transientErrors = counter("distlock.backend.errors", "failed calls to the server", t.and("kind", "transient"));
            permanentErrors = counter("distlock.backend.errors", "failed calls to the server", t.and("kind", "permanent"));
        }

        private Timer acquireTimer(Tags t, String outcome, String contended) {
            return add(timer("distlock.acquire", "distributed acquisitions, call to return")
                    .tags(t).tags("outcome", outcome, "contended", contended).register(registry));
        }

        private Counter counter(String name, String description, Iterable<Tag> t) {
            return add(Counter.builder(name).description(description).tags(t).register(registry));
        }

        private <M extends Meter> M add(M meter) {
            meters.add(meter);
            return meter;
        }
    }

    /** The observer registered with the factory. */
    private final class Recorder implements LockObserver {
        @Override
        public void acquired(String lockName, long nanos, boolean wasContended, boolean localHandOver) {
            Meters m = meters(lockName);
            if (m == null) {
                return;
            }
            (wasContended ? m.acquiredContended : m.acquired).record(nanos, TimeUnit.NANOSECONDS);
            if (localHandOver) {
                m.handOvers.increment();
            }
        }

        @Override
        public void acquireFailed(String lockName, long nanos) {
            Meters m = meters(lockName);
            if (m != null) {
                m.timeout.record(nanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void acquireError(String lockName, long nanos, Throwable error) {
            Meters m = meters(lockName);
            if (m != null) {
                (error instanceof InterruptedException ? m.interrupted : m.error).record(nanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void released(String lockName, long heldNanos) {
            Meters m = meters(lockName);
            if (m != null) {
                m.hold.record(heldNanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void renewed(String lockName, boolean succeeded) {
            Meters m = meters(lockName);
            if (m != null) {
                (succeeded ? m.renewed : m.renewFailed).increment();
            }
        }

        @Override
        public void leaseLost(String lockName) {
            Meters m = meters(lockName);
            if (m != null) {
                m.lost.increment();
            }
        }

        @Override
        public void backendError(String lockName, LockBackendException error) {
            Meters m = meters(lockName);
            if (m != null) {
                (error.isPermanent() ? m.permanentErrors : m.transientErrors).increment();
            }
        }

        @Override
        public String toString() {
            return "LockMetrics" + tags;
        }
    }

    /** A builder of {@link LockMetrics}; not thread-safe. */
    public static final class Builder {
        private final DistributedLockFactory factory;
        private final String factoryName;
        private Iterable<Tag> tags = Tags.empty();
        private final Set<String> lockNames = new LinkedHashSet<>();
        private Function<String, String> lockNameTag;
        private double[] percentiles = {};
        private boolean histogram;
        private Duration[] slos = {};
        private Duration minExpected;
        private Duration maxExpected;

        private Builder(DistributedLockFactory factory, String factoryName) {
            this.factory = Objects.requireNonNull(factory, "factory");
            this.factoryName = Objects.requireNonNull(factoryName, "factoryName");
        }

        /**
         * Adds tags to every meter.
         *
         * @param tags the tags
         * @return this builder
         * @throws NullPointerException if {@code tags} is {@code null}
         */
        public Builder tags(Iterable<Tag> tags) {
            this.tags = Tags.concat(this.tags, Objects.requireNonNull(tags, "tags"));
            return this;
        }

        /**
         * Tags the per-event meters with the lock name for these names (an allow-list, the same
         * in every JVM); every other name is tagged {@value LockMetrics#OTHER_LOCKS}. Their series
         * are registered at once, so they show zeros before the first event. Adds to the names
         * given before.
         *
         * @param names the lock names with series of their own, at most
         *        {@value LockMetrics#MAX_LOCK_TAGS} in all
         * @return this builder
         * @throws NullPointerException if {@code names} is or holds {@code null}
         * @throws IllegalArgumentException if a name is empty or the names are too many
         */
        public Builder lockNames(Collection<String> names) {
            for (String n : names) {
                if (Objects.requireNonNull(n, "lock name").isEmpty()) {
                    throw new IllegalArgumentException("a lock name to tag must not be empty");
                }
            }
            Set<String> all = new LinkedHashSet<>(lockNames);
            all.addAll(names);
            if (all.size() > MAX_LOCK_TAGS) {
                throw new IllegalArgumentException("at most " + MAX_LOCK_TAGS + " lock names may be tagged, were "
                        + all.size());
            }
            lockNames.clear();
            lockNames.addAll(all);
            return this;
        }

        /**
         * Tags the per-event meters with the lock name for these names; see
         * {@link #lockNames(Collection)}.
         *
         * @param names the lock names with series of their own
         * @return this builder
         * @throws NullPointerException if {@code names} is or holds {@code null}
         * @throws IllegalArgumentException if a name is empty or the names are too many
         */
        public Builder lockNames(String... names) {
            return lockNames(List.of(names));
        }

        /**
         * Tags the per-event meters of the names not on the {@link #lockNames(Collection)
         * allow-list} with {@code rule.apply(name)}, or {@value LockMetrics#OTHER_LOCKS} where
         * it returns {@code null}: for example {@code n -> n.replaceAll(":\\d+$", "")} to tag
         * {@code invoice:17} and {@code invoice:18} as {@code invoice}. The rule must be a
         * function of the name alone (so that every JVM tags a name the same way), quick, and
         * have few values: beyond {@value LockMetrics#MAX_LOCK_TAGS} distinct ones, new values
         * are tagged {@value LockMetrics#OTHER_LOCKS} and a warning is logged.
         *
         * @param rule the tag of a lock name, or {@code null} for {@value LockMetrics#OTHER_LOCKS}
         * @return this builder
         * @throws NullPointerException if {@code rule} is {@code null}
         */
        public Builder lockNameTag(Function<String, String> rule) {
            this.lockNameTag = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * Publishes the timers' histogram buckets ({@code publishPercentileHistogram}), which a
         * monitoring system aggregates across JVMs into percentiles (Prometheus:
         * {@code histogram_quantile} over {@code distlock_acquire_seconds_bucket}). Off by default.
         *
         * @param enabled whether to publish them
         * @return this builder
         */
        public Builder publishPercentileHistogram(boolean enabled) {
            this.histogram = enabled;
            return this;
        }

        /**
         * Publishes histogram buckets at these boundaries for both timers (service-level
         * objectives, for example 10 ms and 100 ms): the count of acquisitions and holds within each.
         *
         * @param boundaries positive durations
         * @return this builder
         * @throws NullPointerException if a boundary is {@code null}
         * @throws IllegalArgumentException if a boundary is not positive
         */
        public Builder serviceLevelObjectives(Duration... boundaries) {
            for (Duration d : boundaries) {
                if (Objects.requireNonNull(d, "boundary").isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("service-level objectives must be positive, was " + d);
                }
            }
            this.slos = boundaries.clone();
            return this;
        }

        /**
         * Bounds the buckets of the {@link #publishPercentileHistogram(boolean) percentile
         * histogram} (Micrometer's defaults: 1 ms to 30 s).
         *
         * @param min the smallest duration expected
         * @param max the largest duration expected
         * @return this builder
         * @throws NullPointerException if an argument is {@code null}
         * @throws IllegalArgumentException if {@code min} is not positive or is above {@code max}
         */
        public Builder expectedRange(Duration min, Duration max) {
            Objects.requireNonNull(min, "min");
            Objects.requireNonNull(max, "max");
            if (min.isNegative() || min.isZero() || min.compareTo(max) > 0) {
                throw new IllegalArgumentException("the expected range must be positive and min <= max, was "
                        + min + " to " + max);
            }
            this.minExpected = min;
            this.maxExpected = max;
            return this;
        }

        /**
         * Publishes these percentiles of both timers, computed in this JVM. They cannot be
         * aggregated across JVMs: prefer {@link #publishPercentileHistogram(boolean)}. None by
         * default.
         *
         * @param percentiles values between 0 and 1; none for no percentiles
         * @return this builder
         * @throws IllegalArgumentException if a value is outside [0, 1]
         */
        public Builder percentiles(double... percentiles) {
            for (double p : percentiles) {
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException("percentiles must be between 0 and 1, was " + p);
                }
            }
            this.percentiles = percentiles.clone();
            return this;
        }

        /**
         * Builds the metrics; {@link LockMetrics#bindTo(MeterRegistry)} registers them.
         *
         * @return the metrics, not yet bound
         */
        public LockMetrics build() {
            return new LockMetrics(this);
        }
    }
}
