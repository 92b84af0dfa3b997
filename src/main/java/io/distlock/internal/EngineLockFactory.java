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
public abstract class EngineLockFactory<L extends DistributedLock, R extends io.distlock.DistributedReadWriteLock>
        implements DistributedLockFactory {

    private final LockEngine engine;
    private final String keyPrefix;

    /**
     * Creates a factory over an engine.
     *
     * @param engine the engine, closed by {@link #close()}
     * @param keyPrefix the prefix of the factory's keys
     */
    protected EngineLockFactory(LockEngine engine, String keyPrefix) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
    }

    /**
     * Wraps the engine's state for one name in the back end's lock type.
     *
     * @param sync the state
     * @return the lock
     */
    protected abstract L newLock(LockSync sync);

    /**
     * Wraps the engine's state for one read/write name in the back end's read/write lock type.
     *
     * @param sync the state
     * @return the read/write lock
     */
    protected abstract R newReadWriteLock(ReadWriteSync sync);

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
    public final L getLock(String name) {
        return newLock(engine.sync(name));
    }

    @Override
    public final R getReadWriteLock(String name) {
        return newReadWriteLock(engine.readWriteSync(name));
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
