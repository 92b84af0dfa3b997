package io.distlock.service;

import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The outcome of {@link LockService#tryWithLock}: whether the lock was acquired (so the body ran)
 * and, if so, what the body returned, which may be {@code null}.
 *
 * @param <T> the body's result type
 */
public final class LockResult<T> {

    private static final LockResult<?> NOT_ACQUIRED = new LockResult<>(false, null);

    private final boolean acquired;
    private final T value;

    private LockResult(boolean acquired, T value) {
        this.acquired = acquired;
        this.value = value;
    }

    /**
     * The lock was acquired and the body returned {@code value}.
     *
     * @param value the body's result, may be {@code null}
     * @param <T> the result type
     * @return the result
     */
    public static <T> LockResult<T> of(T value) {
        return new LockResult<>(true, value);
    }

    /**
     * The lock was not acquired; the body did not run.
     *
     * @param <T> the result type
     * @return the result
     */
    @SuppressWarnings("unchecked")
    public static <T> LockResult<T> notAcquired() {
        return (LockResult<T>) NOT_ACQUIRED;
    }

    /**
     * Whether the lock was acquired and the body ran.
     *
     * @return {@code true} if the body ran
     */
    public boolean acquired() {
        return acquired;
    }

    /**
     * What the body returned.
     *
     * @return the value, possibly {@code null}
     * @throws NoSuchElementException if the lock was not acquired
     */
    public T value() {
        if (!acquired) {
            throw new NoSuchElementException("the lock was not acquired, so the body did not run");
        }
        return value;
    }

    /**
     * What the body returned, empty if the lock was not acquired or the body returned
     * {@code null}.
     *
     * @return the value as an optional
     */
    public Optional<T> asOptional() {
        return Optional.ofNullable(value);
    }

    @Override
    public String toString() {
        return acquired ? "LockResult[acquired, value=" + value + "]" : "LockResult[not acquired]";
    }
}
