package io.distlock.spi;

import io.distlock.LockBackendException;

/**
 * The server side of distributed {@link java.util.concurrent.locks.Condition}s of one kind of
 * lock: a first-come-first-served queue of waiter records per condition, each written and
 * removed atomically with a check of the lock's lease.
 *
 * <p>A condition is identified by the lock name and its own name; a waiter by a fresh,
 * unguessable id. Every method is a single attempt; the engine owns retries, deadlines and the
 * local part (hold counts, re-acquisition). A waiter record lives only as long as the JVM that
 * wrote it: either the server drops it when the JVM's session ends, or it expires unless
 * {@link #keepWaiting} refreshes it. Implementations must be thread-safe and must not hold a
 * monitor during network I/O.
 */
public interface ConditionBackend {

    /**
     * If {@code token} owns the lease of {@code name}: appends the waiter to the condition's queue
     * and releases the lease (announcing the release as {@link LockBackend#release} does), in one
     * atomic step, so that whoever holds the lock next and signals finds the waiter. Idempotent:
     * if the waiter is already queued (a retry after an unknown outcome), reports success.
     *
     * @param name the lock name
     * @param token the holder's lease token
     * @param condition the condition's name
     * @param waiter the waiter's id
     * @param aliveMillis how long the record lives without {@link #keepWaiting} (ignored by a
     *        back end whose records live on the JVM's session)
     * @return {@code true} if the waiter was queued and the lease released; {@code false} if
     *         {@code token} did not own the lease (nothing was written)
     * @throws LockBackendException if the store could not be reached; the outcome is unknown
     */
    boolean enqueueAndRelease(String name, String token, String condition, String waiter, long aliveMillis);

    /**
     * If {@code token} owns the lease of {@code name}: removes up to {@code count} of the oldest
     * records of live waiters from the condition's queue and tells each of them, in one atomic
     * step with the ownership check. Records of waiters whose JVM has gone are dropped and not
     * counted.
     *
     * @param name the lock name
     * @param token the holder's lease token
     * @param condition the condition's name
     * @param count the most waiters to wake ({@link Integer#MAX_VALUE}: all of them)
     * @return the ids of the waiters woken, oldest first (the engine hands its own JVM's among
     *         them straight to the lock's queue), or {@code null} if {@code token} did not own the
     *         lease (nobody was woken)
     * @throws LockBackendException if the store could not be reached; the outcome is unknown
     */
    java.util.List<String> signal(String name, String token, String condition, int count);

    /**
     * Removes the waiter's record if it is still queued (a timeout or an interrupt).
     *
     * @param name the lock name
     * @param condition the condition's name
     * @param waiter the waiter's id
     * @return {@code true} if the record was still queued and is now gone; {@code false} if it was
     *         not there (a signal took it, or it expired)
     * @throws LockBackendException if the store could not be reached
     */
    boolean withdraw(String name, String condition, String waiter);

    /**
     * Tells whether the waiter is still queued, and refreshes its record's life.
     *
     * @param name the lock name
     * @param condition the condition's name
     * @param waiter the waiter's id
     * @param aliveMillis the record's new life (where records expire)
     * @return {@code true} if still queued; {@code false} if a signal took it (or it expired)
     * @throws LockBackendException if the store could not be reached
     */
    boolean keepWaiting(String name, String condition, String waiter, long aliveMillis);

    /**
     * Counts the live waiters queued on a condition.
     *
     * @param name the lock name
     * @param condition the condition's name
     * @return the number of live waiters
     * @throws LockBackendException if the store could not be reached
     */
    int waiters(String name, String condition);

    /**
     * Starts telling {@code onSignal} when the waiter may have been signalled, until the watch is
     * closed. Called before {@link #enqueueAndRelease}, so that no signal is missed. The callback
     * may also run spuriously (the engine then checks with {@link #keepWaiting}) and must return
     * quickly.
     *
     * @param name the lock name
     * @param condition the condition's name
     * @param waiter the waiter's id
     * @param onSignal run when the waiter may have been signalled
     * @return the watch
     */
    ReleaseWatch watchSignal(String name, String condition, String waiter, Runnable onSignal);
}
