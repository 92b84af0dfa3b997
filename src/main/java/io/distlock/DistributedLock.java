package io.distlock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * A reentrant mutual exclusion {@link Lock} whose ownership is shared by every JVM that
 * talks to the same back end, with the behaviour of {@link java.util.concurrent.locks.ReentrantLock}
 * wherever a distributed lock can offer it.
 *
 * <p>A {@code DistributedLock} is identified by its {@linkplain #getName() name}. Two lock
 * objects with the same name and the same back end (and key prefix) exclude each other,
 * whether they live in one JVM or in many; locks with different names never block each other.
 *
 * <p><b>Ownership.</b> Within a JVM the lock is owned by a thread, exactly like a
 * {@code ReentrantLock}: the owning thread may acquire it again (the hold count is incremented
 * with no network call) and must release it as many times. On the server the lock is owned by a
 * <em>lease</em>: a fresh, unguessable 128-bit token written when the JVM acquires the lock, with
 * a time to live. Only the holder of that token can release or renew it.
 *
 * <p><b>Leases.</b> By default a background watchdog renews the lease while the lock is held, so a
 * live JVM keeps the lock for as long as it needs while a crashed or frozen JVM loses it when the
 * lease runs out. A fixed lease without renewal can be chosen in {@link LockOptions}. A lease can
 * still be lost while held (a pause longer than the lease, a server restart that lost the data,
 * a failover). That is never silent: {@link #isHeldByCurrentThread()} turns {@code false}, the
 * factory's {@link LeaseListener} is told, and the final {@link #unlock()} throws
 * {@link LeaseLostException}. A loss is final for that hold: while the thread still holds it,
 * every acquisition method ({@code lock}, {@code lockInterruptibly}, both {@code tryLock}s, and
 * the re-acquisition at the end of a condition's {@code await}) throws {@code LeaseLostException}
 * instead of re-entering, and leaves the hold count unchanged; once the thread has released
 * every hold (each {@code unlock()} but the last succeeds, the last throws), it acquires the
 * lock afresh. The local estimate of the lease is never later than the server's
 * expiry: it counts from before the request that the server confirmed was sent (on etcd, from
 * the last keep-alive of the lease the lock hangs on). A thread that terminates while holding the
 * lock (without unlocking it) is found by the factory's renewal thread: the loss is logged as an
 * error and reported to the listener, and the lease is given back on the server so that other
 * JVMs are not blocked for ever; in this JVM the lock stays owned by the dead thread, as a
 * {@code ReentrantLock} would.
 *
 * <p><b>Fencing.</b> Every acquisition carries a {@linkplain #getFencingToken() fencing token}
 * strictly greater than every token issued before for the same name, by any JVM and any thread,
 * local hand-overs included, so a resource guarded by the lock can refuse a write from a previous
 * or stale holder (see {@link #getFencingToken()} for the precise guarantee).
 *
 * <p><b>Waiting.</b> Threads of one JVM that want the same name queue locally; only the thread at
 * the head talks to the server. It does not poll: it sleeps until the server announces a release,
 * with a bounded fallback re-check. While a JVM holds the lease and local threads are queued, the
 * lock is handed from thread to thread locally a bounded number of times before the lease is
 * given back to the server so that other JVMs get their turn. By default acquisition is not fair,
 * neither within a JVM nor across JVMs; a factory built with {@link LockOptions#fair()} makes fair
 * locks, as {@code new ReentrantLock(true)}: every waiting thread queues on the server, and the
 * threads of every JVM acquire in the order they reached it (no local hand-overs).
 *
 * <p><b>Errors and deadlines.</b> Failures to reach the back end are retried as configured
 * ({@link LockOptions}: by default for about 4.5 s, enough to ride out a restart or failover of a
 * few seconds) and then surface as an unchecked {@link LockBackendException}; a permanent error
 * (bad credentials, a missing permission, a read-only replica) is thrown at once. An acquisition
 * whose outcome is unknown (its answer did not come in time) never leaves a lock behind: the
 * factory removes what it may have written, in the background and after the request has ended,
 * retrying until the server confirms. A timed acquisition bounds every network wait by the time
 * it has left (each attempt is given at least 50 ms, so that a very short timeout still makes one
 * real attempt) and starts no retry it could not finish in time, so it returns by its deadline.
 *
 * <p><b>Conditions</b> ({@link #newCondition()}, {@link #newCondition(String)}) work across
 * JVMs with the semantics of {@code ReentrantLock}'s, on the exclusive locks and the write locks
 * of every back end; read locks have none, as with {@code ReentrantReadWriteLock}.
 */
public interface DistributedLock extends Lock {

    /**
     * Returns the name of this lock, as given to the factory.
     *
     * @return the lock name, never {@code null} or empty
     */
    String getName();

    /**
     * Acquires the lock.
     *
     * <p>If the current thread already holds the lock, the hold count is incremented by one and
     * the method returns at once, without a network call. Otherwise the thread waits, first in the
     * JVM-local queue and then for the server-side lease, until the lock is acquired, and the hold
     * count is set to one.
     *
     * <p>An interrupt does not abort the wait; if the thread is interrupted while waiting, it keeps
     * waiting and its interrupt status is set again when the method returns.
     *
     * @throws LockBackendException if the back end cannot be reached after the configured retries
     *         (each attempt waits at most the client's request or socket timeout, then the pause
     *         before the next); the lock is then not held
     * @throws LeaseLostException if the current thread already holds this lock and the lease of
     *         that hold was lost or has run out (see {@link #isHeldByCurrentThread()}); the hold
     *         count is unchanged, and no re-entrant acquisition succeeds until every hold is
     *         released
     * @throws IllegalStateException if the factory that made this lock has been closed
     * @throws Error ("Maximum lock count exceeded") if the hold count would overflow
     */
    @Override
    void lock();

    /**
     * Acquires the lock unless the current thread is {@linkplain Thread#interrupt interrupted}.
     *
     * <p>Behaves like {@link #lock()} except that the wait ends with an
     * {@link InterruptedException} when the thread is interrupted before the call or while it
     * waits; the interrupt status is then cleared and the lock is not held.
     *
     * @throws InterruptedException if the current thread is interrupted
     * @throws LockBackendException if the back end cannot be reached after the configured retries
     * @throws LeaseLostException if the current thread already holds this lock and the lease of
     *         that hold was lost or has run out (see {@link #isHeldByCurrentThread()}); the hold
     *         count is unchanged, and no re-entrant acquisition succeeds until every hold is
     *         released
     * @throws IllegalStateException if the factory that made this lock has been closed
     */
    @Override
    void lockInterruptibly() throws InterruptedException;

    /**
     * Acquires the lock only if it is free at the time of the call.
     *
     * <p>If the current thread already holds the lock, the hold count is incremented and
     * {@code true} is returned without a network call. If another thread of this JVM holds it,
     * {@code false} is returned at once. Otherwise a single acquisition attempt is made on the
     * server; the method never waits for a holder to release, and leaves nothing queued on the
     * server when the lock is busy. As with {@code ReentrantLock}, the interrupt status does not
     * matter: a free lock is acquired and the status is kept. A failure to reach the server is
     * not retried, since a retry would wait: the call makes one attempt and so returns or throws
     * within one call's bound of the client (etcd: the request timeout; Redis: the client's
     * timeouts), even on an unreachable or frozen server. An attempt whose outcome is unknown is
     * cleaned up in the background, as after any failure.
     *
     * @return {@code true} if the lock was acquired
     * @throws LockBackendException if the back end could not be reached or refused the request
     *         (its one attempt failed; never retried)
     * @throws LeaseLostException if the current thread already holds this lock and the lease of
     *         that hold was lost or has run out (see {@link #isHeldByCurrentThread()}); the hold
     *         count is unchanged, and no re-entrant acquisition succeeds until every hold is
     *         released
     * @throws IllegalStateException if the factory that made this lock has been closed
     */
    @Override
    boolean tryLock();

    /**
     * Acquires the lock if it becomes free within the given waiting time and the current thread
     * has not been {@linkplain Thread#interrupt interrupted}.
     *
     * <p>If the current thread already holds the lock, the hold count is incremented and
     * {@code true} is returned at once. If the time is zero or negative the method does not wait
     * (as {@link #tryLock()}). Otherwise it waits until one of these happens:
     * <ul>
     *   <li>the lock is acquired by the current thread: {@code true} is returned;</li>
     *   <li>the waiting time elapses: {@code false} is returned;</li>
     *   <li>the thread is interrupted: {@link InterruptedException} is thrown and the interrupt
     *       status is cleared.</li>
     * </ul>
     * Every network wait is bounded by the time left (at least 50 ms for one attempt), so the
     * method returns by its deadline even when the server is frozen or unreachable; a call given
     * up at the deadline has an unknown outcome, which the factory cleans up in the background.
     *
     * @param time the maximum time to wait for the lock
     * @param unit the time unit of the {@code time} argument
     * @return {@code true} if the lock was acquired, {@code false} if the waiting time elapsed
     * @throws InterruptedException if the current thread is interrupted
     * @throws NullPointerException if {@code unit} is {@code null}
     * @throws LockBackendException if the back end cannot be reached after the configured retries,
     *         or not within the waiting time; the lock is then not held. A call that found the
     *         lock busy and whose last attempt failed with no time left for another (a retry's
     *         pause would reach the deadline) returns {@code false} instead: the lock was not
     *         acquired in time, as the busy answer said
     * @throws LeaseLostException if the current thread already holds this lock and the lease of
     *         that hold was lost or has run out (see {@link #isHeldByCurrentThread()}); the hold
     *         count is unchanged, and no re-entrant acquisition succeeds until every hold is
     *         released
     * @throws IllegalStateException if the factory that made this lock has been closed
     */
    @Override
    boolean tryLock(long time, TimeUnit unit) throws InterruptedException;

    /**
     * Attempts to release this lock.
     *
     * <p>If the current thread holds the lock the hold count is decremented. When it reaches zero
     * the lock is released: handed to a thread of this JVM that is waiting for it (a bounded
     * number of times in a row), or else given back to the server, which wakes waiting JVMs.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold this lock
     * @throws LeaseLostException (a subtype of {@code IllegalMonitorStateException}) when the hold
     *         count reaches zero and the lease was lost while the lock was held; the lock is
     *         released locally all the same
     * @throws LockBackendException if the lease could not be given back to the server after the
     *         configured retries; the lock is released locally, the lease is no longer renewed,
     *         and the factory keeps giving it back in the background (on Redis it also runs out
     *         within one lease time; on etcd a key on the factory's session lease stays until
     *         that succeeds, or, if it is given up after a minute and twice the lease time, which
     *         is logged as an error, until the session ends). In a {@code finally} block this
     *         exception replaces one the protected code was throwing; code that must see the
     *         original failure should catch it around {@code unlock()} (the service layer's
     *         {@code withLock} attaches it as a suppressed exception instead)
     */
    @Override
    void unlock();

    /**
     * Returns a new distributed condition of this lock, the same in every JVM that runs the
     * same code: conditions made by this method are named by their creation index on the lock
     * object ({@code "#0"}, {@code "#1"}, ...; see the lock class for the rule and its limit).
     * Otherwise as {@link #newCondition(String)}.
     *
     * @return the condition
     * @throws UnsupportedOperationException if this kind of lock has no conditions (a read lock)
     */
    @Override
    java.util.concurrent.locks.Condition newCondition();

    /**
     * Returns the condition {@code conditionName} of this lock: every JVM that asks for the same
     * lock name and condition name gets the same condition (within this lock object, the same
     * {@code Condition} object). It behaves as a {@code ReentrantLock}'s condition, across JVMs:
     * <ul>
     *   <li>{@code await}, {@code awaitNanos}, {@code await(time, unit)}, {@code awaitUntil} and
     *       {@code awaitUninterruptibly} throw {@link IllegalMonitorStateException} if the current
     *       thread does not hold the lock, and {@link LeaseLostException} if its lease was lost
     *       (nothing is released then). Otherwise, in one atomic step on the server, they queue the
     *       thread as a waiter and give the lease back, so that a signal made by whoever holds the
     *       lock next always finds it; then they release every local hold, wait until signalled,
     *       interrupted or timed out, and re-acquire the lock with the saved hold count (and a new
     *       fencing token) before returning or throwing, uninterruptibly. A waiter that times out
     *       or is interrupted withdraws itself; if a signal took it first, the wait counts as
     *       signalled ({@code await(time)} returns {@code true}, an interrupt status is kept).
     *       If the lease taken by that re-acquisition is lost before the holds are restored, the
     *       await throws {@link LeaseLostException} with the holds restored (the caller's
     *       {@code unlock()}s release them, the last one throwing as well).
     *       Spurious wake-ups are possible, as the {@code Condition} contract allows: a waiter
     *       whose record was lost (a pause longer than its life) returns as if signalled.</li>
     *   <li>{@code signal()} wakes the longest-waiting live waiter, {@code signalAll()} every
     *       waiter queued at that moment, in any JVM. Both throw
     *       {@link IllegalMonitorStateException} if the current thread does not hold the lock; the
     *       server checks in the same step that the lease still owns the lock, and if it does not
     *       the call throws {@link LeaseLostException} and wakes nobody. A waiter whose JVM died
     *       is skipped once its record has expired (a few seconds on Redis; the session's time
     *       to live on etcd).</li>
     *   <li>Waiters are told by the server (a message or a watch), with a re-check every two
     *       seconds that also keeps their records alive; closing the factory wakes them, and they
     *       then fail with {@link IllegalStateException}.</li>
     * </ul>
     * Round trips: an await costs one to queue and release, one to learn of the signal, and
     * those of re-acquiring the lock; a signal one.
     *
     * @param conditionName the condition's name; any non-empty string of at most 4096 characters
     * @return the condition
     * @throws NullPointerException if {@code conditionName} is {@code null}
     * @throws IllegalArgumentException if it is empty or too long
     * @throws UnsupportedOperationException if this kind of lock has no conditions
     */
    java.util.concurrent.locks.Condition newCondition(String conditionName);

    /**
     * Queries the number of holds on this lock by the current thread, as
     * {@link java.util.concurrent.locks.ReentrantLock#getHoldCount()} does. No network call.
     *
     * @return the number of holds by the current thread, or zero if it does not hold the lock
     */
    int getHoldCount();

    /**
     * Queries whether the current thread holds this lock and its lease is still valid.
     *
     * <p>Returns {@code false} once the lease is known to be lost, or once its last confirmed
     * expiry time has passed on the local clock, even though the hold count is still positive.
     * While it returns {@code false}, every acquisition method of this lock throws
     * {@link LeaseLostException} (the hold count unchanged) instead of re-entering, and that makes
     * the loss final for the hold (a renewal still under way cannot bring it back); a lease known
     * lost is final anyway. The final {@link #unlock()} throws it too; after that the thread may
     * acquire the lock afresh. Without such a refused re-entry, a lease whose expiry passed
     * because a renewal's answer was late counts again once the answer confirms it. No network
     * call.
     *
     * @return {@code true} if the current thread holds this lock with a valid lease
     */
    boolean isHeldByCurrentThread();

    /**
     * Queries the server whether any JVM holds this lock. Meant for monitoring, not for
     * synchronization control; the answer may be stale by the time it is returned.
     *
     * @return {@code true} if the lock is held somewhere
     * @throws LockBackendException if the back end cannot be reached after the configured retries
     * @throws IllegalStateException if the factory that made this lock has been closed
     */
    boolean isLocked();

    /**
     * Returns the fencing token of the current thread's hold of this lock.
     *
     * <p>Every acquisition (by any thread of any JVM, with any back end flavour, a local
     * hand-over between threads of one JVM included) gets a token strictly greater than every
     * token issued before it for the same name; re-entrant acquisitions keep the holder's token.
     * So a resource that accepts a write only if its token is not lower than the last one it
     * accepted refuses writes from every previous holder, including one whose lease was lost
     * while it kept working (a pause longer than the lease). The token is the back end's token
     * for the lease (Redis: a counter seeded from the server's clock, so it keeps growing after a
     * restart that lost the data; etcd: the revision of the acquiring write) shifted left by ten
     * bits, plus the holder's number among the threads the lease was handed to locally. On etcd,
     * revisions restart when a cluster is replaced by a new one without its data: a resource that
     * stores tokens must then be reset. The token stays valid after the lease is lost (so that
     * the holder can still present it and be refused).
     *
     * @return the fencing token, a positive number
     * @throws IllegalMonitorStateException if the current thread does not hold this lock
     */
    long getFencingToken();

    /**
     * Extends the lease under which the current thread holds this lock to {@code leaseTime} from
     * now. Useful with a fixed lease (watchdog off); with the watchdog on, its next renewal sets
     * the lease back to the configured lease time. A hold given a term of its own
     * ({@link #holdFor(Duration)}) gets its term extended to {@code leaseTime} from now. On etcd a lease's time to live is fixed when it
     * is granted, so there the lease is refreshed to its granted time (at least the configured
     * lease time) whatever {@code leaseTime} says.
     *
     * @param leaseTime the new lease, between {@link LockOptions#MIN_LEASE} and
     *        {@link LockOptions#MAX_LEASE}
     * @throws NullPointerException if {@code leaseTime} is {@code null}
     * @throws IllegalArgumentException if it is out of range
     * @throws IllegalMonitorStateException if the current thread does not hold this lock
     * @throws LeaseLostException if the lease had already been lost
     * @throws LockBackendException if the back end cannot be reached after the configured retries
     */
    void renew(java.time.Duration leaseTime);

    /**
     * Gives the current thread's hold of this lock a term of its own: it ends {@code leaseTime}
     * from now, unless {@link #renew(Duration)} extends it first (to the time that call gives,
     * from then). Until then the watchdog (if on) keeps the lease, but never past the term's end;
     * at the end the hold is over: the loss is reported as any lost lease is
     * ({@link #isHeldByCurrentThread()} turns {@code false}, the factory's {@link LeaseListener}
     * is told, no re-entrant acquisition succeeds, the final {@link #unlock()} throws
     * {@link LeaseLostException}), and the lease is given back on the server, so other JVMs can
     * acquire the lock. If this JVM dies, the server frees the lock at the term's end on Redis
     * (or at the end of a watchdog renewal already under way when the term was set); on etcd,
     * whose locks hang on an etcd lease granted for the factory's lease time (rounded up to whole
     * seconds), within that time. This is the time to live of Spring Integration's
     * {@code DistributedLock.lock(Duration)}. One round trip; it applies to the current hold only:
     * a local hand-over or the next acquisition gets the factory's lease again.
     *
     * @param leaseTime the hold's term, between {@link LockOptions#MIN_LEASE} and
     *        {@link LockOptions#MAX_LEASE}
     * @throws NullPointerException if {@code leaseTime} is {@code null}
     * @throws IllegalArgumentException if it is out of range
     * @throws IllegalMonitorStateException if the current thread does not hold this lock
     * @throws LeaseLostException if the lease had already been lost, or was lost meanwhile
     * @throws LockBackendException if the back end cannot be reached after the configured retries
     */
    void holdFor(java.time.Duration leaseTime);

    /**
     * Renews the lease under which the current thread holds this lock every {@code interval},
     * from a background thread, until the returned handle is closed, the lock is released, or the
     * lease is lost. Meant for long critical sections with a fixed lease (watchdog off); with the
     * watchdog on it is redundant but harmless. Each renewal extends the lease to the configured
     * lease time.
     *
     * @param interval the time between renewals; at least {@link LockOptions#MIN_RENEW_INTERVAL}
     *        and shorter than the lease time
     * @return a handle that stops the renewals
     * @throws NullPointerException if {@code interval} is {@code null}
     * @throws IllegalArgumentException if it is shorter than {@link LockOptions#MIN_RENEW_INTERVAL}
     *         or not shorter than the lease time
     * @throws IllegalMonitorStateException if the current thread does not hold this lock
     */
    AutoRenewal autoRenew(java.time.Duration interval);

    /**
     * Returns the state of this lock: what the server says (held or not, the holder's fencing
     * token and remaining lease where the back end can tell) and what this JVM knows of the
     * calling thread. One or two network calls.
     *
     * @return a snapshot
     * @throws LockBackendException if the back end cannot be reached after the configured retries
     * @throws IllegalStateException if the factory that made this lock has been closed
     */
    LockInfo info();

    /**
     * Queries whether threads of this JVM are waiting to acquire this lock. No network call.
     *
     * @return {@code true} if other threads of this JVM may be waiting
     */
    boolean hasQueuedThreads();
}
