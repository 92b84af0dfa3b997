package io.distlock.internal;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Binds a lock object, while it is being constructed, to the engine state of its name.
 *
 * <pre>
 * A distributed lock object is a ReentrantLock (or ReentrantReadWriteLock): its own synchronizer
 * is the JVM-local queue of its name, so it must exist before the engine state that drives it,
 * and that state must exist before the object can answer anything. The engine therefore makes a
 * lock like this: it sets a pending binding on the current thread and calls the back end's
 * constructor; the public base class's constructor asks for its fairness (fair()), hands its
 * local part to bind(), which builds the engine state around it, and keeps what bind() returns
 * in a final field. A constructor called outside make() (a subclass written by a user) fails
 * with IllegalStateException, so no unbound lock object can exist.
 * </pre>
 */
public final class LockObjectBinding {

    private static final ThreadLocal<Pending> PENDING = new ThreadLocal<>();

    private LockObjectBinding() {
    }

    /** A binding in progress on one thread. */
    private static final class Pending {
        final boolean fair;
        final Function<Object, Object> binder;
        boolean bound;

        Pending(boolean fair, Function<Object, Object> binder) {
            this.fair = fair;
            this.binder = binder;
        }
    }

    /**
     * Constructs a lock object bound by {@code binder}.
     *
     * @param fair the fairness the object's local part gets
     * @param binder builds the engine state from the object's local part
     * @param constructor the back end's constructor
     * @param <L> the lock type
     * @return the bound lock object
     */
    static <L> L make(boolean fair, Function<Object, Object> binder, Supplier<L> constructor) {
        Pending outer = PENDING.get();
        Pending pending = new Pending(fair, binder);
        PENDING.set(pending);
        try {
            L lock = constructor.get();
            if (!pending.bound) {
                throw new IllegalStateException(lock.getClass().getName() + " did not bind to its lock state");
            }
            return lock;
        } finally {
            if (outer == null) {
                PENDING.remove();
            } else {
                PENDING.set(outer);
            }
        }
    }

    /**
     * The fairness of the lock object being constructed on this thread.
     *
     * @return whether its local part is fair
     * @throws IllegalStateException if no lock object is being made by a factory on this thread
     */
    public static boolean fair() {
        return pending().fair;
    }

    /**
     * Binds the lock object being constructed on this thread.
     *
     * @param local its local part ({@link LocalMutex} or {@link LocalReadWrite})
     * @param type the type of engine state the caller expects
     * @param <T> that type
     * @return the engine state of its name
     * @throws IllegalStateException if no lock object is being made by a factory on this thread
     */
    public static <T> T bind(Object local, Class<T> type) {
        Pending p = pending();
        p.bound = true;
        return type.cast(p.binder.apply(local));
    }

    private static Pending pending() {
        Pending p = PENDING.get();
        if (p == null || p.bound) {
            throw new IllegalStateException("distributed locks are made by their factory: call getLock(name) or "
                    + "getReadWriteLock(name) on a lock factory");
        }
        return p;
    }
}
