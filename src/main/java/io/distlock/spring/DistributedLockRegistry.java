package io.distlock.spring;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.distlock.DistributedLockFactory;
import java.time.Duration;
import java.util.Objects;
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.integration.support.locks.ExpirableLockRegistry;
import org.springframework.integration.support.locks.RenewableLockRegistry;

/**
 * A Spring Integration lock registry over a lock factory, typed as Spring Integration 7's own
 * registries are: a {@link RenewableLockRegistry} and an {@link ExpirableLockRegistry} of
 * Spring's {@link DistributedLock}. {@link #obtain(Object)} returns the factory's lock of the key
 * as a {@link SpringDistributedLock}, which is both Spring's {@code DistributedLock} (with its
 * time-to-live methods) and this library's {@link io.distlock.DistributedLock}, so whatever
 * Spring Integration builds on a lock registry (aggregators, leader initiators,
 * {@code executeLocked}) runs on Redis or etcd through this library.
 *
 * <p>An application on Spring's own {@code RedisLockRegistry} switches with one bean definition:
 * <pre>{@code
 * @Bean(destroyMethod = "close")
 * RedisLockFactory lockFactory() {
 *     return RedisLockFactory.builder().hostAndPort("redis.internal", 6379).keyPrefix("orders:").build();
 * }
 *
 * @Bean
 * DistributedLockRegistry lockRegistry(RedisLockFactory lockFactory) {
 *     return new DistributedLockRegistry(lockFactory);
 * }
 * }</pre>
 *
 * <p>Keys are lock names: {@link String}s, as with {@code RedisLockRegistry}. The locks are
 * this library's, re-entrant, with a lease the factory's watchdog renews while they are held, so
 * there is no renewal task to schedule: {@link #setRenewalTaskScheduler} is ignored, and
 * {@link #renewLock(Object, Duration)} is for leases the application times itself (a hold taken
 * with a time to live, {@link SpringDistributedLock#lock(Duration)}). A thread whose hold's lease
 * was lost cannot re-enter it: every acquisition method throws
 * {@link io.distlock.LeaseLostException} until the hold is released, which is how Spring's
 * {@code LockRegistryLeaderInitiator} learns that it no longer leads. Locks no longer referenced
 * leave the factory's registry on their own, so {@link #expireUnusedOlderThan(long)} has nothing
 * to do. The registry does not close the factory.
 *
 * <p>Thread-safe.
 */
public final class DistributedLockRegistry
        implements ExpirableLockRegistry<DistributedLock>, RenewableLockRegistry<DistributedLock> {

    private final DistributedLockFactory factory;
    /**
     * The lock object handed out for each name, kept while a caller references it, so obtain
     * gives the same object for a key meanwhile (it holds the factory's lock strongly, and the
     * state is the factory lock's: a new object for a name acts on the same lock).
     */
    private final Cache<String, SpringDistributedLock> locks = Caffeine.newBuilder().weakValues().build();

    /**
     * Creates a registry over {@code factory}.
     *
     * @param factory the lock factory, which the registry uses and does not close
     * @throws NullPointerException if {@code factory} is {@code null}
     */
    public DistributedLockRegistry(DistributedLockFactory factory) {
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    /**
     * Returns the lock of {@code lockKey}: the factory's {@code getLock(lockKey)} as a
     * {@link SpringDistributedLock}, the same object for a key while it is referenced. No network
     * call.
     *
     * @param lockKey the lock name, a non-empty {@link String}
     * @return the lock
     * @throws NullPointerException if {@code lockKey} is {@code null}
     * @throws IllegalArgumentException if {@code lockKey} is not a {@code String}, or is empty or
     *         too long for a lock name
     * @throws IllegalStateException if the factory is closed
     */
    @Override
    public SpringDistributedLock obtain(Object lockKey) {
        String name = name(lockKey);
        io.distlock.DistributedLock lock = factory.getLock(name);
        SpringDistributedLock known = locks.getIfPresent(name);
        if (known != null && known.factoryLock() == lock) {
            return known;
        }
        return locks.asMap().compute(name, (n, old) -> old != null && old.factoryLock() == lock
                ? old : new SpringDistributedLock(lock));
    }

    /**
     * Does nothing: a lock that is no longer referenced leaves the factory's registry by itself
     * (a held one never does), so there is nothing to expire.
     *
     * @param age ignored
     */
    @Override
    public void expireUnusedOlderThan(long age) {
        // nothing to do: see above
    }

    /**
     * Renews the lease of the lock of {@code lockKey}, held by the current thread, to the
     * factory's lease time. One round trip.
     *
     * @param lockKey the lock name
     * @throws IllegalStateException if the current thread does not hold the lock, or its lease
     *         was lost (the cause says which)
     * @throws IllegalArgumentException if {@code lockKey} is not a valid lock name
     * @throws io.distlock.LockBackendException if the server cannot be reached
     */
    @Override
    public void renewLock(Object lockKey) {
        renewLock(lockKey, factory.options().leaseTime());
    }

    /**
     * Renews the lease of the lock of {@code lockKey}, held by the current thread, to
     * {@code timeToLive} from now (the server may round it up to its own granularity). With the
     * factory's watchdog on, the watchdog's next renewal sets the factory's lease time again.
     * One round trip.
     *
     * @param lockKey the lock name
     * @param timeToLive the new lease, positive
     * @throws IllegalStateException if the current thread does not hold the lock, or its lease
     *         was lost (the cause says which)
     * @throws IllegalArgumentException if {@code lockKey} is not a valid lock name or
     *         {@code timeToLive} is not positive
     * @throws NullPointerException if {@code timeToLive} is {@code null}
     * @throws io.distlock.LockBackendException if the server cannot be reached
     */
    @Override
    public void renewLock(Object lockKey, Duration timeToLive) {
        Objects.requireNonNull(timeToLive, "timeToLive");
        SpringDistributedLock lock = obtain(lockKey);
        try {
            lock.renew(timeToLive);
        } catch (IllegalMonitorStateException e) { // a LeaseLostException too
            throw new IllegalStateException("could not renew lock '" + lock.getName() + "': " + e.getMessage(), e);
        }
    }

    /**
     * Returns the factory the locks come from.
     *
     * @return the factory
     */
    public DistributedLockFactory factory() {
        return factory;
    }

    private static String name(Object lockKey) {
        Objects.requireNonNull(lockKey, "lockKey");
        if (!(lockKey instanceof String)) {
            throw new IllegalArgumentException("lock keys are lock names, Strings; was a "
                    + lockKey.getClass().getName());
        }
        return (String) lockKey;
    }

    @Override
    public String toString() {
        return "DistributedLockRegistry[" + factory.keyPrefix() + "]";
    }
}
