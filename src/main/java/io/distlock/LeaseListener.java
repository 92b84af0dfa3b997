package io.distlock;

/**
 * Receives notice that the lease behind a held lock has been lost.
 *
 * <p>Registered on a lock factory. It is called at most once per lost lease, from the factory's
 * renewal thread or from the thread that discovered the loss, and must return quickly without
 * blocking; exceptions it throws are logged and ignored. The holder itself learns of the loss
 * through {@link DistributedLock#isHeldByCurrentThread()} and from {@link DistributedLock#unlock()},
 * which throws {@link LeaseLostException}.
 */
@FunctionalInterface
public interface LeaseListener {

    /**
     * Called when the lease under which this JVM held a lock is lost.
     *
     * @param lockName the name of the lock
     * @param fencingToken the fencing token of the lost lease
     */
    void leaseLost(String lockName, long fencingToken);
}
