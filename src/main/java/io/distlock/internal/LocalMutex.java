package io.distlock.internal;

/**
 * The JVM-local lock the engine orders the threads of one JVM with, for one exclusive lock name:
 * the {@link java.util.concurrent.locks.ReentrantLock} that the user's lock object itself is (its
 * superclass's own synchronizer, reached past the object's distributed overrides), so that the
 * {@code final} queue methods of {@code ReentrantLock} answer for the queue the engine really
 * uses.
 */
public interface LocalMutex {

    /** The lock object this is the local part of (the user's {@code DistributedLock}). */
    Object lockObject();

    /** {@code ReentrantLock.lock()} of the local part. */
    void lock();

    /** {@code ReentrantLock.lockInterruptibly()} of the local part. */
    void lockInterruptibly() throws InterruptedException;

    /** {@code ReentrantLock.tryLock()} of the local part. */
    boolean tryLock();

    /** {@code ReentrantLock.tryLock(nanos, NANOSECONDS)} of the local part. */
    boolean tryLock(long nanos) throws InterruptedException;

    /** {@code ReentrantLock.unlock()} of the local part. */
    void unlock();

    /** {@code ReentrantLock.getHoldCount()} of the local part. */
    int holdCount();

    /** {@code ReentrantLock.isHeldByCurrentThread()} of the local part. */
    boolean isHeldByCurrentThread();

    /** {@code ReentrantLock.hasQueuedThreads()} of the local part. */
    boolean hasQueuedThreads();

    /** {@code ReentrantLock.getQueueLength()} of the local part. */
    int queueLength();

    /** {@code ReentrantLock.getOwner()} of the local part. */
    Thread owner();

    /** {@code ReentrantLock.getQueuedThreads()} of the local part. */
    java.util.Collection<Thread> queuedThreads();
}
