package io.distlock.spi;

import java.util.List;

/**
 * An operator's view of the exclusive locks of one back end: what is held or waited for under the
 * factory's key prefix, who holds one lock and who waits, and the forced release of a lock whose
 * holder is gone. Obtained from {@link LockBackend#admin()}; used by the {@code distlock} command
 * line.
 *
 * <p>A forced release keeps what it can of the lock's contract (a holder that is still running is
 * the exception, see {@link #forceRelease}): the lease is deleted on the server in one atomic
 * step (a script or a transaction) guarded by the holder named, so the old holder's token owns
 * nothing afterwards (its renewal finds the lock gone and reports the lease lost, its unlock throws
 * {@link io.distlock.LeaseLostException}); the fencing counter is kept, so the next acquisition
 * gets a higher fencing token; and waiters are woken as by a release (a published announcement,
 * the deletion of the etcd key their watches are on).
 */
public interface LockAdmin {

    /**
     * The names of the locks under the factory's key prefix that start with {@code namePrefix}
     * and of which the server keeps any record (a lease, waiters, a fencing counter), sorted.
     *
     * @param namePrefix the start of the names wanted; empty for every name
     * @param limit the most names returned
     * @return the names, at most {@code limit}
     * @throws io.distlock.LockBackendException if the store could not be reached
     */
    List<String> names(String namePrefix, int limit);

    /**
     * Reads what the server says about lock {@code name}: its holder, fencing token, remaining
     * lease, and who waits.
     *
     * @param name the lock name
     * @return the state
     * @throws io.distlock.LockBackendException if the store could not be reached
     */
    LockState state(String name);

    /**
     * What {@link #state} says, for a listing of many names: a back end may leave out what is
     * costly to find for each name (Redis: the condition waiters, whose queues only a scan of the
     * whole keyspace finds).
     *
     * @param name the lock name
     * @return the state, perhaps without condition waiters
     * @throws io.distlock.LockBackendException if the store could not be reached
     */
    default LockState summary(String name) {
        return state(name);
    }

    /**
     * Deletes the lease of lock {@code name} if {@code expectedHolder} holds it (or, with
     * {@code null}, whoever holds it), and wakes the waiters; keeps the fencing counter. The check
     * and the deletion are one atomic step, so a lock taken by another holder after the operator
     * looked ({@link #state}) is never released by mistake.
     *
     * <p>Meant for a holder that is gone. A holder that is still running learns of the release
     * only at its next renewal (a third of the lease later with the watchdog; at its unlock with a
     * fixed lease): until then it still believes it holds the lock while another JVM may take it.
     * Its writes are still ordered by their fencing tokens.
     *
     * @param name the lock name
     * @param expectedHolder the holder to release, as {@link LockState#holder()} gave it, or
     *        {@code null} for any holder
     * @return the state of the lock just before the release (its holder), or {@code null} if
     *         nobody held it (nothing was changed)
     * @throws IllegalStateException if {@code expectedHolder} is not {@code null} and another
     *         holder has the lock (nothing was changed; the message names it)
     * @throws io.distlock.LockBackendException if the store could not be reached
     */
    LockState forceRelease(String name, String expectedHolder);
}
