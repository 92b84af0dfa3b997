package io.distlock.testing;

import io.distlock.AbstractDistributedLockFactory;
import io.distlock.spi.LockBackend;

/** The back end under a factory, for tests that read a back end's own state (its reservations). */
public final class Backends {

    private Backends() {
    }

    /** The back end of the exclusive locks of {@code factory}. */
    public static LockBackend of(AbstractDistributedLockFactory<?, ?> factory) {
        try {
            java.lang.reflect.Field engineField = AbstractDistributedLockFactory.class.getDeclaredField("engine");
            engineField.setAccessible(true);
            Object engine = engineField.get(factory);
            java.lang.reflect.Field backendField = engine.getClass().getDeclaredField("backend");
            backendField.setAccessible(true);
            return (LockBackend) backendField.get(engine);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot reach the factory's back end: " + e, e);
        }
    }
}
