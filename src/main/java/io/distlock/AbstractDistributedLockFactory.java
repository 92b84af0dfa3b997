package io.distlock;

import io.distlock.internal.FactoryBinding;
import io.distlock.internal.LockEngine;

/**
 * The {@link DistributedLockFactory} methods, written once for every back end: a back end's
 * factory ({@code RedisLockFactory}, {@code EtcdLockFactory}) adds its builder and narrows the
 * types of the locks it returns.
 *
 * <p>Instances are made only by the back ends' builders; the constructor throws
 * {@link IllegalStateException} when called any other way, so a subclass written outside this
 * library cannot be instantiated.
 *
 * @param <L> the type of exclusive lock the factory returns
 * @param <R> the type of read/write lock the factory returns
 */
public abstract class AbstractDistributedLockFactory<L extends DistributedReentrantLock,
        R extends DistributedReentrantReadWriteLock> implements DistributedLockFactory {

    /** The engine every lock of this factory runs on; closed by {@link #close()}. */
    private final LockEngine engine;
    private final String keyPrefix;

    /**
     * Attaches the new factory to the engine its builder made.
     *
     * @throws IllegalStateException unless called while a back end's builder is building
     */
    protected AbstractDistributedLockFactory() {
        FactoryBinding binding = FactoryBinding.current();
        this.engine = binding.engine();
        this.keyPrefix = binding.keyPrefix();
    }

    /**
     * {@inheritDoc}
     *
     * @throws NullPointerException {@inheritDoc}
     * @throws IllegalArgumentException {@inheritDoc}
     * @throws IllegalStateException {@inheritDoc}
     */
    @Override
    @SuppressWarnings("unchecked") // the engine makes every lock with the constructor its builder gave
    public final L getLock(String name) {
        return (L) engine.sync(name).lockObject();
    }

    /**
     * {@inheritDoc}
     *
     * @throws NullPointerException {@inheritDoc}
     * @throws IllegalArgumentException {@inheritDoc}
     * @throws IllegalStateException {@inheritDoc}
     */
    @Override
    @SuppressWarnings("unchecked") // as getLock
    public final R getReadWriteLock(String name) {
        return (R) engine.readWriteSync(name).lockObject();
    }

    @Override
    public final LockOptions options() {
        return engine.options();
    }

    @Override
    public final String keyPrefix() {
        return keyPrefix;
    }

    @Override
    public final long localRegistrySize() {
        return engine.registrySize();
    }

    @Override
    public final int heldLeaseCount() {
        return engine.heldLeaseCount();
    }

    @Override
    public final java.util.Set<String> heldLeaseNames() {
        return engine.heldLeaseNames();
    }

    @Override
    public final int waitingThreadCount() {
        return engine.waitingThreadCount();
    }

    /**
     * {@inheritDoc}
     *
     * @throws LockBackendException {@inheritDoc}
     * @throws IllegalStateException {@inheritDoc}
     */
    @Override
    public final void ping() {
        engine.ping(PING_LOCK);
    }

    /**
     * {@inheritDoc}
     *
     * @throws NullPointerException {@inheritDoc}
     */
    @Override
    public final void addObserver(LockObserver observer) {
        engine.addObserver(observer);
    }

    @Override
    public final boolean removeObserver(LockObserver observer) {
        return engine.removeObserver(observer);
    }

    /**
     * The operator's view of this factory's exclusive locks on the server: the names under its
     * key prefix, each lock's holder, fencing token, lease and waiters, and the forced release of
     * a lock whose holder is gone. What the {@code distlock} command line uses. Its fencing tokens
     * are in the unit of {@link DistributedLock#getFencingToken()}: the token of the lease's first
     * holder (a hand-over between threads of the holder's JVM adds to it).
     *
     * @return the admin view
     * @throws UnsupportedOperationException if the back end has none
     */
    public final io.distlock.spi.LockAdmin admin() {
        return engine.admin();
    }

    @Override
    public final void close() {
        engine.close();
    }
}
