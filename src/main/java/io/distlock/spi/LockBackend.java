package io.distlock.spi;

import io.distlock.LockBackendException;

/**
 * One store of leases, such as a Redis deployment or an etcd cluster, seen by the lock engine.
 *
 * <p>Every method is a single attempt: the engine owns retries, deadlines and interrupts.
 * Implementations must be thread-safe, must not hold a monitor ({@code synchronized}) while doing
 * network I/O, and report any failure to reach or use the store as {@link LockBackendException}.
 * A failure of {@link #tryAcquire} means the outcome is unknown: the engine then calls
 * {@link #release} with the same token.
 *
 * <p>A lease is identified by the lock name and the token the engine chose for it. Tokens are
 * unique per acquisition, so a call with a token that no longer owns the name must never affect
 * the current owner.
 */
public interface LockBackend extends AutoCloseable {

    /**
     * Creates the lease for {@code name} if no lease exists, in one atomic step.
     *
     * <p>The engine calls it again with the same token after a busy result and a release
     * announcement, until it gets the lease, gives up (then it calls {@link #cancel}) or an
     * error occurs (then it calls {@link #release} and uses a new token). A back end whose server
     * queues waiters may therefore enqueue the request on the first call and report the outcome
     * on a later one.
     *
     * @param name the lock name
     * @param token the new owner's token
     * @param leaseMillis the time to live of the lease
     * @param willWait {@code false} if the caller will not wait when the lock is busy (a
     *        {@code tryLock()}): nothing may be left queued after a busy result, and the call must
     *        not wait for any other owner. Such an attempt takes a lock that nobody holds even
     *        if acquisitions are queued for it, as {@code ReentrantLock.tryLock()} does on a
     *        fair lock (a read side: even if writers wait, as long as none holds the lock)
     * @param timeoutNanos the longest this call may wait for the server: the time a timed
     *        acquisition has left ({@link Long#MAX_VALUE} when it has no deadline). A back end
     *        waits at most this long or its own request timeout, whichever is shorter; one whose
     *        client cannot bound a single call (a socket timeout fixed per connection) documents
     *        its slack
     * @return {@link AcquireResult#acquired} with the fencing token of the new lease and how long
     *         the server is known to keep it, or {@link AcquireResult#busy} with the current
     *         holder's remaining lease
     * @throws LockBackendException if the store could not be reached or did not answer in time;
     *         the outcome is unknown
     */
    AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait, long timeoutNanos);

    /**
     * Creates the lease for {@code name} if no lease exists and no acquisition is queued for it
     * on the server, in one attempt that never queues and never waits for another owner: a
     * {@code tryLock(0, unit)}, which, as on {@code ReentrantLock} and
     * {@code ReentrantReadWriteLock}, does not overtake waiters the way {@code tryLock()} may (the
     * {@code willWait == false} attempt of {@link #tryAcquire}). The engine calls it for a fair
     * lock's {@code tryLock(0, unit)}, which gives way to everyone queued before it, and for a
     * non-fair read/write lock's, whose read side gives way to waiting writers (as
     * {@code ReentrantReadWriteLock(false)}'s read lock does to a writer at the head of its queue)
     * and whose write side need not give way at all. A back end whose server queues no waiters
     * uses the default, which is {@code tryAcquire(name, token, leaseMillis, false, timeoutNanos)}.
     *
     * @param name the lock name
     * @param token the new owner's token
     * @param leaseMillis the time to live of the lease
     * @param timeoutNanos as for {@link #tryAcquire}
     * @return as for {@link #tryAcquire}
     * @throws LockBackendException if the store could not be reached or did not answer in time;
     *         the outcome is unknown
     */
    default AcquireResult tryAcquireWithoutOvertaking(String name, String token, long leaseMillis, long timeoutNanos) {
        return tryAcquire(name, token, leaseMillis, false, timeoutNanos);
    }

    /**
     * Withdraws an acquisition that got busy results and that the engine gives up (timeout,
     * interrupt): a back end that queued it on the server removes it, and releases the lease if
     * it was granted meanwhile. Called from a background thread, and again after a failure, until
     * it returns; so it must be idempotent. The default does nothing (for back ends that never
     * queue).
     *
     * @param name the lock name
     * @param token the token passed to {@link #tryAcquire}
     * @throws LockBackendException if the store could not be reached; the engine tries again
     */
    default void cancel(String name, String token) {
    }

    /**
     * Whether a waiting attempt ({@code willWait} true) may be refused while the lock is free: a
     * back end that holds a released lock back for a short while for the waiters of other
     * processes, so that the releasing process does not take it straight back. For such a back
     * end the engine makes the last attempt of a timed acquisition, the one at its deadline, with
     * {@code willWait} false, so that a timed {@code tryLock} shorter than that while still takes
     * a free lock, as {@code ReentrantLock.tryLock(long, TimeUnit)} does (if that attempt finds
     * the lock busy, the engine gives up and calls {@link #cancel} as for any waiting
     * acquisition). The default is {@code false}: every attempt of a waiting acquisition waits.
     *
     * @return whether waiting attempts may be refused on a free lock
     */
    default boolean reservesReleasedLocksForOthers() {
        return false;
    }

    /**
     * Whether {@link #watch} can watch for releases before an acquisition's first request: the
     * engine watches first for an acquisition whose last one found the lock busy, so that a busy
     * answer parks at once. A back end whose notification is the request itself (a queued call
     * that the server completes when it grants the lock) has nothing to watch until the request
     * is sent, and says {@code false}: the engine then watches only after a busy answer. The
     * default is {@code true}.
     *
     * @return whether a watch made before the first request is useful
     */
    default boolean watchesBeforeRequest() {
        return true;
    }

    /**
     * Gives the back end the factory's one smoothed estimate of an acquire round trip, in
     * nanoseconds, measured and owned by the engine. A back end that holds released locks back
     * for the waiters of other processes ({@link #reservesReleasedLocksForOthers()}) sizes that window with
     * it, so that the engine's courtesy window and the back end's reservation agree. Called once,
     * when the engine is made, before any other call; the supplier is cheap and thread-safe. The
     * default ignores it.
     *
     * @param roundTripNanos the estimate
     */
    default void useRoundTripEstimate(java.util.function.LongSupplier roundTripNanos) {
    }

    /**
     * Deletes the lease of {@code name} if {@code token} owns it, and tells waiters. Also used to
     * clean up after an acquisition whose outcome is unknown: it then removes whatever that
     * acquisition left on the server (a lease, a queued request), knowing only the token.
     *
     * @param name the lock name
     * @param token the owner's token
     * @return {@link ReleaseResult#NOT_OWNED} if {@code token} did not own the lease (it was
     *         lost); otherwise whether other processes may have been listening for the release
     * @throws LockBackendException if the store could not be reached
     */
    ReleaseResult release(String name, String token);

    /**
     * Extends the lease of {@code name} to {@code leaseMillis} from now if {@code token} owns it.
     * A back end whose leases have a time to live fixed at creation refreshes it to that time.
     *
     * @param name the lock name
     * @param token the owner's token
     * @param leaseMillis the requested time to live
     * @return how long, counted from before the request was sent, the server now keeps the lease
     *         at least (never more than the server's own expiry: the engine trusts the lease that
     *         long), or a negative number if {@code token} no longer owns the lease
     * @throws LockBackendException if the store could not be reached
     */
    long renew(String name, String token, long leaseMillis);

    /**
     * Reads the state of {@code name} on the server: whether it is held, the holder's remaining
     * lease and fencing token where the back end can tell.
     *
     * @param name the lock name
     * @return the snapshot
     * @throws LockBackendException if the store could not be reached
     */
    LeaseSnapshot inspect(String name);

    /**
     * Tells whether any lease exists for {@code name}.
     *
     * @param name the lock name
     * @return {@code true} if the lock is held by someone
     * @throws LockBackendException if the store could not be reached
     */
    boolean isLocked(String name);

    /**
     * Starts delivering release announcements for {@code name} to {@code onRelease} until the
     * returned watch is closed. Called after a busy {@link #tryAcquire} with the same token, which
     * a back end may use to watch from what that attempt saw. The callback may also be run when
     * the notification channel was interrupted (so that waiters re-check) and must return quickly.
     *
     * @param name the lock name
     * @param token the token of the waiting acquisition
     * @param onRelease called when the lease of {@code name} may have been released
     * @return the watch; never {@code null}
     */
    ReleaseWatch watch(String name, String token, Runnable onRelease);

    /**
     * The server side of this back end's conditions, or {@code null} if its locks have none (the
     * default): {@code newCondition()} then throws {@link UnsupportedOperationException}.
     *
     * @return the condition back end, or {@code null}
     */
    default ConditionBackend conditions() {
        return null;
    }

    /**
     * The operator's view of this back end's exclusive locks (listing, inspection, forced
     * release), or {@code null} if it has none (the default).
     *
     * @return the admin view, or {@code null}
     */
    default LockAdmin admin() {
        return null;
    }

    /**
     * Describes the store for messages, for example {@code "Redis at 127.0.0.1:6379"}.
     *
     * @return a short description
     */
    String describe();

    /**
     * Stops notifications and frees the resources this back end created. Leases are not touched.
     */
    @Override
    void close();
}
