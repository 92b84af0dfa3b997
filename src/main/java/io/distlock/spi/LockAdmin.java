package io.distlock.spi;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * An operator's view of the locks of one back end: what is held or waited for under the
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

    /**
     * Releases holders of the read/write lock {@code name}: the ones named in
     * {@code expectedHolders} (the writer's or readers' tokens, as {@link LockState#waiters()}
     * gives them under {@link LockState#WRITER} and {@link LockState#READERS}), or with
     * {@code null} every holder; wakes the waiters; keeps the fencing counter. The check and the
     * release are one atomic step: if any holder named does not hold the lock (any more), nothing
     * is released. Holders not named keep their hold (one reader whose JVM is gone can be freed
     * while the others read on).
     *
     * <p>The contract is {@link #forceRelease}'s: the released tokens own nothing afterwards
     * (their renewal reports the lease lost, their unlock throws
     * {@link io.distlock.LeaseLostException}), the next acquisition gets a higher fencing token,
     * waiters are woken as by a release, and a holder that is still running learns of it only at
     * its next renewal.
     *
     * @param name the lock name
     * @param expectedHolders the holders to release, or {@code null} for every holder
     * @return the holders released, by kind ({@link LockState#WRITER}, {@link LockState#READERS});
     *         empty if nobody held the read/write lock (nothing was changed)
     * @throws IllegalArgumentException if {@code expectedHolders} is empty
     * @throws IllegalStateException if a holder named does not hold the lock (nothing was changed;
     *         the message names the holders it has)
     * @throws UnsupportedOperationException if the back end has no read/write locks to release
     * @throws io.distlock.LockBackendException if the store could not be reached
     */
    default Map<String, List<String>> forceReleaseReadWrite(String name, Collection<String> expectedHolders) {
        throw new UnsupportedOperationException("this back end cannot force the release of read/write locks");
    }

    /**
     * Checks the holders named for {@link #forceReleaseReadWrite}: {@code null} (every holder) or
     * a non-empty collection without nulls.
     *
     * @param expectedHolders the holders named
     * @return them without duplicates, in their order, or {@code null}
     * @throws IllegalArgumentException if the collection is empty or holds a null or empty token
     */
    static List<String> requireHolders(Collection<String> expectedHolders) {
        if (expectedHolders == null) {
            return null;
        }
        if (expectedHolders.isEmpty()) {
            throw new IllegalArgumentException("name at least one holder to release, or null for every holder");
        }
        java.util.LinkedHashSet<String> distinct = new java.util.LinkedHashSet<>();
        for (String h : expectedHolders) {
            if (h == null || h.isEmpty()) {
                throw new IllegalArgumentException("a holder to release is null or empty: " + expectedHolders);
            }
            distinct.add(h);
        }
        return List.copyOf(distinct);
    }
}
