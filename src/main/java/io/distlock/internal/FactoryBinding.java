package io.distlock.internal;

import io.distlock.DistributedLock;
import io.distlock.DistributedLockFactory;
import io.distlock.DistributedReentrantLock;
import io.distlock.DistributedReentrantReadWriteLock;
import io.distlock.LockBackendException;
import io.distlock.LockFactoryBuilder;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Attaches a public factory object, while it is being constructed, to the engine its builder
 * made, so that no public type has to take or expose an engine type.
 *
 * <pre>
 * A back end's builder makes its engine and calls make(...), which sets a pending binding on the
 * current thread and calls the factory's private constructor; the public base class's constructor
 * takes the engine and key prefix from current(). A constructor called any other way (a user's
 * subclass) finds no pending binding and throws IllegalStateException. The same pattern as
 * LockObjectBinding, which does this for lock objects.
 * </pre>
 */
public final class FactoryBinding {

    private static final ThreadLocal<FactoryBinding> PENDING = new ThreadLocal<>();

    private final LockEngine engine;
    private final String keyPrefix;

    private FactoryBinding(LockEngine engine, String keyPrefix) {
        this.engine = engine;
        this.keyPrefix = keyPrefix;
    }

    /**
     * Makes a factory over {@code engine} and, when {@code verifyWhere} is not {@code null},
     * checks access by taking and releasing the probe lock (closing the factory and throwing on
     * failure).
     *
     * @param engine the engine, closed with the factory
     * @param keyPrefix the prefix of the factory's keys
     * @param locks the constructor of the back end's exclusive lock class
     * @param readWriteLocks the constructor of the back end's read/write lock class
     * @param verifyWhere the server, for the message of a failed check; {@code null} for no check
     * @param constructor the factory's constructor
     * @param <F> the factory type
     * @return the factory
     * @throws LockBackendException if the check fails
     */
    public static <F extends DistributedLockFactory> F make(
            LockEngine engine, String keyPrefix, Supplier<? extends DistributedReentrantLock> locks,
            Supplier<? extends DistributedReentrantReadWriteLock> readWriteLocks, String verifyWhere,
            Supplier<F> constructor) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        engine.makeLocksWith(locks, readWriteLocks);
        F factory;
        PENDING.set(new FactoryBinding(engine, keyPrefix));
        try {
            factory = constructor.get();
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        } finally {
            PENDING.remove();
        }
        if (verifyWhere != null) {
            verifyAccess(factory, verifyWhere);
        }
        return factory;
    }

    /**
     * The binding of the factory being constructed on this thread; each binding is taken once.
     *
     * @return the binding
     * @throws IllegalStateException if no factory is being built on this thread
     */
    public static FactoryBinding current() {
        FactoryBinding binding = PENDING.get();
        if (binding == null) {
            throw new IllegalStateException("lock factories are made by their builders: call "
                    + "RedisLockFactory.builder() or EtcdLockFactory.builder()");
        }
        PENDING.remove();
        return binding;
    }

    /**
     * The engine of the factory being made.
     *
     * @return the engine
     */
    public LockEngine engine() {
        return engine;
    }

    /**
     * The key prefix of the factory being made.
     *
     * @return the prefix
     */
    public String keyPrefix() {
        return keyPrefix;
    }

    private static void verifyAccess(DistributedLockFactory factory, String where) {
        try {
            DistributedLock probe = factory.getLock(LockFactoryBuilder.PROBE_NAME);
            if (probe.tryLock()) {
                probe.unlock();
            }
        } catch (LockBackendException e) {
            factory.close();
            throw new LockBackendException("could not verify access to " + where + " under prefix '"
                    + factory.keyPrefix() + "': " + e.getMessage(), e, e.isPermanent());
        } catch (RuntimeException e) {
            factory.close();
            throw e;
        }
    }
}
