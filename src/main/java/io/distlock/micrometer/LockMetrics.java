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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Publishes the metrics of one lock factory to a Micrometer {@link MeterRegistry}. Micrometer
 * ({@code io.micrometer:micrometer-core}) is an optional dependency of the library; this class
 * needs it on the class path.
 *
 * <pre>{@code
 * RedisLockFactory locks = RedisLockFactory.builder().hostAndPort("redis.internal", 6379).build();
 * LockMetrics.monitor(registry, locks, "orders");
 * }</pre>
 *
 * <p>Every meter has the tag {@code factory} (the name given here) and the extra tags given. With
 * {@link Builder#perLockName(int) perLockName(n)} the per-event meters also get a {@code lock}
 * tag: the first {@code n} names seen get their own, every later name shares
 * {@value #OTHER_LOCKS}, so the number of series stays bounded; off by default.
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>what</th></tr>
 * <tr><td>{@code distlock.acquire}</td><td>timer, with percentiles</td><td>successful
 *     acquisitions: from the call to its return (not the re-entrant ones, which are local)</td></tr>
 * <tr><td>{@code distlock.acquire.wait}</td><td>timer</td><td>the same, for the contended ones
 *     only: acquisitions that had to wait for another holder</td></tr>
 * <tr><td>{@code distlock.acquire.contended}</td><td>counter</td><td>contended acquisitions</td></tr>
 * <tr><td>{@code distlock.acquire.failed}</td><td>counter</td><td>{@code tryLock} calls that
 *     returned {@code false}</td></tr>
 * <tr><td>{@code distlock.handovers}</td><td>counter</td><td>acquisitions that took the lease of
 *     the previous holder in this JVM, with no network call</td></tr>
 * <tr><td>{@code distlock.renewals}</td><td>counter, tag {@code result}
 *     ({@code success}, {@code failure})</td><td>lease renewals sent to the server</td></tr>
 * <tr><td>{@code distlock.leases.lost}</td><td>counter</td><td>leases lost while held</td></tr>
 * <tr><td>{@code distlock.backend.errors}</td><td>counter, tag {@code kind}
 *     ({@code transient}, {@code permanent})</td><td>failed calls to the server</td></tr>
 * <tr><td>{@code distlock.leases.held}</td><td>gauge</td><td>leases the factory holds now</td></tr>
 * <tr><td>{@code distlock.registry.size}</td><td>gauge</td><td>lock names with local state</td></tr>
 * </table>
 *
 * <p>Instances are thread-safe. Events are recorded on the thread they happen on, at the cost of
 * two clock readings per distributed acquisition and a few counter increments; with the meters
 * removed by {@link #close()}, the factory reads no clock for them again.
 */
public final class LockMetrics implements MeterBinder, AutoCloseable {

    /** The {@code lock} tag of names beyond the per-name limit. */
    public static final String OTHER_LOCKS = "(other)";

    private final DistributedLockFactory factory;
    private final Tags tags;
    private final int maxLockNames;
    private final double[] percentiles;
    private final Recorder recorder = new Recorder();
    private final ConcurrentMap<String, Meters> byName = new ConcurrentHashMap<>();
    private final List<Meter> meters = new ArrayList<>();
    private MeterRegistry registry;
    private Meters all;
    private Meters other;

    private LockMetrics(Builder b) {
        this.factory = b.factory;
        this.tags = Tags.of(b.tags).and("factory", b.factoryName);
        this.maxLockNames = b.maxLockNames;
        this.percentiles = b.percentiles.clone();
    }

    /**
     * Publishes the metrics of {@code factory} to {@code registry}, without per-name tags.
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
     * @throws IllegalStateException if these metrics are already bound
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (this.registry != null) {
            throw new IllegalStateException("these lock metrics are already bound to a registry; bind one "
                    + "CompositeMeterRegistry to publish to several");
        }
        this.registry = registry;
        meters.add(Gauge.builder("distlock.leases.held", factory, DistributedLockFactory::heldLeaseCount)
                .description("leases the factory holds on the server").tags(tags).register(registry));
        meters.add(Gauge.builder("distlock.registry.size", factory, DistributedLockFactory::localRegistrySize)
                .description("lock names the factory keeps local state for").tags(tags).register(registry));
        if (maxLockNames == 0) {
            all = new Meters(tags);
        } else {
            other = new Meters(tags.and("lock", OTHER_LOCKS));
        }
        factory.addObserver(recorder);
    }

    /** Stops recording and removes every meter from the registry. Idempotent. */
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
        all = null;
        other = null;
    }

    private Meters meters(String lockName) {
        Meters m = all;
        if (m != null) {
            return m;
        }
        m = byName.get(lockName);
        if (m != null) {
            return m;
        }
        synchronized (this) {
            if (other == null) {
                return null; // closed
            }
            m = byName.get(lockName);
            if (m == null) {
                m = byName.size() < maxLockNames ? new Meters(tags.and("lock", lockName)) : other;
                byName.put(lockName, m);
            }
            return m;
        }
    }

    /** The meters of one series (all locks, one name, or the other names). */
    private final class Meters {
        final Timer acquire;
        final Timer wait;
        final Counter contended;
        final Counter failed;
        final Counter handOvers;
        final Counter renewed;
        final Counter renewFailed;
        final Counter lost;
        final Counter transientErrors;
        final Counter permanentErrors;

        Meters(Tags t) {
            acquire = add(Timer.builder("distlock.acquire").description("successful acquisitions, call to return")
                    .publishPercentiles(percentiles).tags(t).register(registry));
            wait = add(Timer.builder("distlock.acquire.wait")
                    .description("contended acquisitions, call to return").tags(t).register(registry));
            contended = counter("distlock.acquire.contended", "acquisitions that waited for another holder", t);
            failed = counter("distlock.acquire.failed", "tryLock calls that returned false", t);
            handOvers = counter("distlock.handovers", "leases handed to the next holder in this JVM", t);
            renewed = counter("distlock.renewals", "lease renewals", t.and("result", "success"));
            renewFailed = counter("distlock.renewals", "lease renewals", t.and("result", "failure"));
            lost = counter("distlock.leases.lost", "leases lost while held", t);
            transientErrors = counter("distlock.backend.errors", "failed calls to the server", t.and("kind", "transient"));
            permanentErrors = counter("distlock.backend.errors", "failed calls to the server", t.and("kind", "permanent"));
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
            m.acquire.record(nanos, TimeUnit.NANOSECONDS);
            if (wasContended) {
                m.contended.increment();
                m.wait.record(nanos, TimeUnit.NANOSECONDS);
            }
            if (localHandOver) {
                m.handOvers.increment();
            }
        }

        @Override
        public void acquireFailed(String lockName, long nanos) {
            Meters m = meters(lockName);
            if (m != null) {
                m.failed.increment();
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
        private int maxLockNames;
        private double[] percentiles = {0.5, 0.9, 0.99};

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
         * Tags the per-event meters with the lock name, for at most {@code maxNames} names (the
         * first seen); later names share the tag {@value LockMetrics#OTHER_LOCKS}. Zero, the
         * default, adds no {@code lock} tag.
         *
         * @param maxNames the most names with series of their own, 0 to 1000
         * @return this builder
         * @throws IllegalArgumentException if {@code maxNames} is out of range
         */
        public Builder perLockName(int maxNames) {
            if (maxNames < 0 || maxNames > 1000) {
                throw new IllegalArgumentException("maxNames must be between 0 and 1000, was " + maxNames);
            }
            this.maxLockNames = maxNames;
            return this;
        }

        /**
         * Sets the percentiles {@code distlock.acquire} publishes (default 0.5, 0.9 and 0.99).
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
