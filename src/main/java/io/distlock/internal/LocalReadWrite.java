package io.distlock.internal;

import java.util.Collection;
import java.util.concurrent.locks.Lock;

/**
 * The JVM-local read/write lock the engine orders the threads of one JVM with, for one
 * read/write lock name: the {@link java.util.concurrent.locks.ReentrantReadWriteLock} that the
 * user's lock object itself is, reached past its distributed overrides.
 */
public interface LocalReadWrite {

    /** The lock object this is the local part of (the user's {@code DistributedReadWriteLock}). */
    Object lockObject();

    /** The plain local read lock ({@code ReentrantReadWriteLock.ReadLock} of the local part). */
    Lock readLock();

    /** The plain local write lock ({@code ReentrantReadWriteLock.WriteLock} of the local part). */
    Lock writeLock();

    /** {@code getReadHoldCount()} of the local part. */
    int readHoldCount();

    /** {@code getWriteHoldCount()} of the local part. */
    int writeHoldCount();

    /** {@code isWriteLockedByCurrentThread()} of the local part. */
    boolean isWriteLockedByCurrentThread();

    /** {@code getReadLockCount()} of the local part. */
    int readLockCount();

    /** {@code getOwner()} of the local part: the thread holding the local write lock. */
    Thread owner();

    /** {@code hasQueuedThreads()} of the local part. */
    boolean hasQueuedThreads();

    /** {@code getQueuedWriterThreads()} of the local part. */
    Collection<Thread> queuedWriterThreads();

    /** {@code getQueuedReaderThreads()} of the local part. */
    Collection<Thread> queuedReaderThreads();

    /** {@code getQueuedThreads()} of the local part. */
    Collection<Thread> queuedThreads();
}
