package io.distlock;

/**
 * Thrown by {@link DistributedLock#unlock()} when the lease that backed the lock was lost while
 * the lock was held: it ran out during a pause longer than the lease, the server forgot it (a
 * restart without persistence, a failover), or another owner took the lock after it expired.
 * Thrown too by every acquisition method of a lock whose current thread still holds it under
 * such a lease: a loss is final for its hold, which no re-entrant acquisition extends (the hold
 * count is left unchanged; once every hold is released the thread acquires afresh).
 *
 * <p>It is an {@link IllegalMonitorStateException} because, as seen by the server, the caller no
 * longer owned the lock. Code protected by the lock may have run concurrently with another
 * holder from the moment the lease was lost; the {@linkplain #getFencingToken() fencing token}
 * lets a resource recognise writes made under the stale lease.
 */
public class LeaseLostException extends IllegalMonitorStateException {

    private static final long serialVersionUID = 1L;

    /** The name of the lock whose lease was lost. */
    private final String lockName;
    /** The fencing token of the lost hold, or zero if it is not known. */
    private final long fencingToken;

    /**
     * Creates an exception for a lost lease.
     *
     * @param lockName the name of the lock whose lease was lost
     * @param fencingToken the fencing token of the lost lease
     */
    public LeaseLostException(String lockName, long fencingToken) {
        super("lease of lock '" + lockName + "' (fencing token " + fencingToken
                + ") was lost while it was held; another owner may have held it since");
        this.lockName = lockName;
        this.fencingToken = fencingToken;
    }

    /**
     * Returns the name of the lock whose lease was lost.
     *
     * @return the lock name
     */
    public String getLockName() {
        return lockName;
    }

    /**
     * Returns the fencing token of the lost lease.
     *
     * @return the fencing token
     */
    public long getFencingToken() {
        return fencingToken;
    }
}
