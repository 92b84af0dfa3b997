package io.distlock;

import java.util.concurrent.locks.ReadWriteLock;

/**
 * A {@link ReadWriteLock} shared by every JVM that uses the same back end and key prefix, with the
 * semantics of {@link java.util.concurrent.locks.ReentrantReadWriteLock} where they can hold
 * across JVMs:
 * <ul>
 *   <li>any number of threads, in any JVMs, may hold the read lock together; the write lock
 *       excludes every other holder of either lock;</li>
 *   <li>both locks are reentrant; each has its own hold count;</li>
 *   <li>the holder of the write lock may acquire the read lock (downgrading: take the read lock,
 *       then release the write lock);</li>
 *   <li>a holder of the read lock cannot upgrade: {@code writeLock().tryLock()} returns
 *       {@code false} and {@code writeLock().lock()} throws {@link IllegalMonitorStateException},
 *       rather than dead-locking as {@code ReentrantReadWriteLock} would;</li>
 *   <li>every hold has a lease on the server, renewed by the watchdog and lost exactly as an
 *       exclusive lock's ({@link LeaseLostException} from {@code unlock()}, the listener,
 *       {@code isHeldByCurrentThread()}), and a loss is final for that side's hold: its
 *       acquisition methods throw {@code LeaseLostException} instead of re-entering it;</li>
 *   <li>a thread that already reads re-acquires the read lock locally; every other read
 *       acquisition asks the server, so that waiting writers are seen.</li>
 * </ul>
 * How waiting writers are protected from a stream of readers depends on the back end and is
 * stated by each implementation. Both locks return a {@link DistributedLock}, with fencing
 * tokens and the rest of its monitoring methods. As with {@code ReentrantReadWriteLock}, the
 * write lock supports conditions and the read lock's {@code newCondition} throws
 * {@link UnsupportedOperationException}.
 */
public interface DistributedReadWriteLock extends ReadWriteLock {

    /**
     * The name of this lock.
     *
     * @return the name
     */
    String getName();

    /**
     * The lock used for reading.
     *
     * @return the read lock
     */
    @Override
    DistributedLock readLock();

    /**
     * The lock used for writing.
     *
     * @return the write lock
     */
    @Override
    DistributedLock writeLock();
}
