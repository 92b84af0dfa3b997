package io.distlock.internal;

/**
 * The JVM-local lock the engine orders the threads of one JVM with, for one exclusive lock name:
 * the {@link java.util.concurrent.locks.ReentrantLock} that the user's lock object itself is (its
 * superclass's own synchronizer, reached past the object's distributed overrides), so that the
 * {@code final} queue methods of {@code ReentrantLock} answer for the queue the engine really
 * uses. Its {@link java.util.concurrent.locks.Lock} methods are the superclass's {@code lock},
 * {@code lockInterruptibly}, {@code tryLock} and {@code unlock}; {@code newCondition} is not
 * offered (the engine's conditions are distributed ones).
 */
public interface LocalMutex extends java.util.concurrent.locks.Lock {

    /** The lock object this is the local part of (the user's {@code DistributedLock}). */
    Object lockObject();






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
