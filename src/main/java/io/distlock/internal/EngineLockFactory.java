package io.distlock.internal;

import io.distlock.DistributedLock;
import io.distlock.DistributedLockFactory;
import io.distlock.LockOptions;
import java.util.Objects;

/**
 * The {@link DistributedLockFactory} methods, written once for every back end over a
 * {@link LockEngine}; a back end's factory adds its builder and the type of its locks.
 *
 * @param <L> the type of lock the factory makes
 * @param <R> the type of read/write lock the factory makes
 */
public abstract class EngineLockFactory<L extends io.distlock.DistributedReentrantLock,
        R extends io.distlock.DistributedReentrantReadWriteLock>
        implements DistributedLockFactory {

    private final LockEngine engine;
    private final String keyPrefix;

    /**
     * Creates a factory over an engine.
     *
     * @param engine the engine, closed by {@link #close()}
     * @param keyPrefix the prefix of the factory's keys
     * @param locks the constructor of the back end's exclusive lock class
     * @param readWriteLocks the constructor of the back end's read/write lock class
     */
    protected EngineLockFactory(LockEngine engine, String keyPrefix, java.util.function.Supplier<L> locks,
                                java.util.function.Supplier<R> readWriteLocks) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
        engine.makeLocksWith(locks, readWriteLocks);
    }

    /**
     * Checks access for {@code verifyOnBuild}: takes and releases the probe lock; on failure
     * closes this factory and throws.
     *
     * @param where the server, for the message
     * @throws io.distlock.LockBackendException if the server cannot be reached or refuses
     */
    protected final void verifyAccess(String where) {
        try {
            DistributedLock probe = getLock(io.distlock.LockFactoryBuilder.PROBE_NAME);
            if (probe.tryLock()) {
                probe.unlock();
            }
        } catch (io.distlock.LockBackendException e) {
            close();
            throw new io.distlock.LockBackendException("could not verify access to " + where + " under prefix '"
                    + keyPrefix + "': " + e.getMessage(), e, e.isPermanent());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    @SuppressWarnings("unchecked") // the engine makes every lock with the constructor given above
    public final L getLock(String name) {
        return (L) engine.sync(name).lockObject();
    }

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
    public final void close() {
        engine.close();
    }
}
