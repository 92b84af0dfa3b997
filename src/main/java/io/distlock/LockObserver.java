package io.distlock;

/**
 * Told of what a factory's locks do, for metrics: every distributed acquisition (not the
 * re-entrant ones, which are local and free), every acquisition that gave up or failed, the end of
 * every hold, every renewal, every lost lease and every error from the server. Register one with
 * {@link DistributedLockFactory#addObserver(LockObserver)}; the Micrometer binder
 * {@code io.distlock.micrometer.LockMetrics} is one.
 *
 * <p>Methods are called on the thread the event happened on (the acquiring thread, the factory's
 * renewal thread) while no lock state is held; they must be quick and must not block, and should
 * not throw: an exception is logged and otherwise ignored. Every method does nothing by default.
 * With no observer registered the locks do not read the clock for these events. How many threads
 * wait is not an event: {@link DistributedLockFactory#waitingThreadCount()} counts them.
 */
public interface LockObserver {

    /**
     * Whether this observer wants the timed events of acquisitions and holds ({@link #acquired},
     * {@link #acquireFailed}, {@link #acquireError}, {@link #released}). An observer that
     * answers {@code false} gets only {@link #renewed}, {@link #leaseLost} and
     * {@link #backendError}, and while every registered observer answers {@code false} the locks
     * read no clock for their acquisitions (as with no observer at all). Read once, when the
     * observer is registered. The default is {@code true}.
     *
     * @return whether to deliver the timed events
     */
    default boolean timesAcquisitions() {
        return true;
    }

    /**
     * A thread acquired the lock, read lock or write lock of {@code lockName} (its first hold; a
     * re-entrant acquisition is not reported), including an acquisition after
     * {@link java.util.concurrent.locks.Condition#await() await}.
     *
     * @param lockName the lock name
     * @param nanos the time from the call to its return, waiting included
     * @param contended whether the call had to wait for another holder, in this JVM or another
     * @param localHandOver whether the lease came from the previous holder in this JVM, with no
     *        network call
     */
    default void acquired(String lockName, long nanos, boolean contended, boolean localHandOver) {
    }

    /**
     * A {@code tryLock()} or {@code tryLock(time, unit)} of {@code lockName} returned {@code false}.
     *
     * @param lockName the lock name
     * @param nanos the time from the call to its return
     */
    default void acquireFailed(String lockName, long nanos) {
    }

    /**
     * A {@code lock}, {@code lockInterruptibly} or {@code tryLock} call for {@code lockName} (a
     * first hold) ended with an exception instead: a {@link LockBackendException} after the
     * retries, an {@link InterruptedException}, a {@link LeaseLostException} or
     * {@link IllegalStateException} (the factory was closed meanwhile), among others. Only
     * acquisitions whose start was observed are reported.
     *
     * @param lockName the lock name
     * @param nanos the time from the call to the exception
     * @param error what the call threw
     */
    default void acquireError(String lockName, long nanos, Throwable error) {
    }

    /**
     * A thread's hold of the lock, read lock or write lock of {@code lockName} ended: its final
     * {@code unlock()} (including one that throws because the lease was lost) or a
     * {@link java.util.concurrent.locks.Condition#await() await} that gave the lock up. Reported
     * only for holds whose acquisition was reported to the observers (one registered before it).
     *
     * @param lockName the lock name
     * @param heldNanos the time from the acquisition's return to the release
     */
    default void released(String lockName, long heldNanos) {
    }

    /**
     * A held lease of {@code lockName} was renewed on the server (by the watchdog, an
     * auto-renewal or {@code renew}), or a renewal failed.
     *
     * @param lockName the lock name
     * @param succeeded whether the server extended the lease
     */
    default void renewed(String lockName, boolean succeeded) {
    }

    /**
     * A lease of {@code lockName} was lost while held (the same events a {@link LeaseListener}
     * is told of).
     *
     * @param lockName the lock name
     */
    default void leaseLost(String lockName) {
    }

    /**
     * A call to the server about {@code lockName} failed (each failed attempt, retried or not).
     *
     * @param lockName the lock name
     * @param error the failure; {@link LockBackendException#isPermanent()} tells whether
     *        retrying could help
     */
    default void backendError(String lockName, LockBackendException error) {
    }
}
