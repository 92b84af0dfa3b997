package io.distlock.spring;

import io.distlock.DistributedLock;
import io.distlock.DistributedLockFactory;
import java.time.Duration;
import java.util.Objects;
import org.springframework.integration.support.locks.RenewableLockRegistry;

/**
 * A Spring Integration {@link RenewableLockRegistry} over a lock factory: {@link #obtain(Object)}
 * returns the factory's lock of the key, so whatever Spring Integration builds on a lock registry
 * (aggregators, leader initiators, {@code executeLocked}) runs on Redis or etcd through this
 * library. Spring Integration ({@code org.springframework.integration:spring-integration-core})
 * is an optional dependency of the library; this class needs it on the class path.
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
 * {@link #renewLock(Object, Duration)} is for leases the application times itself. Locks no
 * longer referenced leave the factory's registry on their own, so no expiry of unused locks is
 * needed either. The registry does not close the factory.
 *
 * <p>Thread-safe.
 */
public final class DistributedLockRegistry implements RenewableLockRegistry<DistributedLock> {

    private final DistributedLockFactory factory;

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
     * Returns the lock of {@code lockKey}: the factory's {@code getLock(lockKey)}, the same object
     * for a key while it is referenced. No network call.
     *
     * @param lockKey the lock name, a non-empty {@link String}
     * @return the lock
     * @throws NullPointerException if {@code lockKey} is {@code null}
     * @throws IllegalArgumentException if {@code lockKey} is not a {@code String}, or is empty or
     *         too long for a lock name
     * @throws IllegalStateException if the factory is closed
     */
    @Override
    public DistributedLock obtain(Object lockKey) {
        return factory.getLock(name(lockKey));
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
        DistributedLock lock = obtain(lockKey);
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
