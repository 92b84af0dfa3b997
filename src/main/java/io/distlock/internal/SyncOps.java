package io.distlock.internal;

import io.distlock.AutoRenewal;
import io.distlock.LockInfo;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The operations behind one {@link io.distlock.DistributedLock}: an exclusive lock's
 * {@link LockSync}, or one side of a read/write lock. The public lock classes delegate to it.
 */
public interface SyncOps {

    /** The lock name. */
    String name();

    /** See {@link io.distlock.DistributedLock#lock()}. */
    void lock();

    /** See {@link io.distlock.DistributedLock#lockInterruptibly()}. */
    void lockInterruptibly() throws InterruptedException;

    /** See {@link io.distlock.DistributedLock#tryLock()}. */
    boolean tryLock();

    /** See {@link io.distlock.DistributedLock#tryLock(long, TimeUnit)}. */
    boolean tryLock(long time, TimeUnit unit) throws InterruptedException;

    /** See {@link io.distlock.DistributedLock#unlock()}. */
    void unlock();

    /** See {@link io.distlock.DistributedLock#getHoldCount()}. */
    int getHoldCount();

    /** See {@link io.distlock.DistributedLock#isHeldByCurrentThread()}. */
    boolean isHeldByCurrentThread();

    /** See {@link io.distlock.DistributedLock#isLocked()}. */
    boolean isLocked();

    /** See {@link io.distlock.DistributedLock#getFencingToken()}. */
    long getFencingToken();

    /** See {@link io.distlock.DistributedLock#hasQueuedThreads()}. */
    boolean hasQueuedThreads();

    /** See {@link io.distlock.DistributedLock#renew(Duration)}. */
    void renew(Duration leaseTime);

    /** See {@link io.distlock.DistributedLock#holdFor(Duration)}. */
    void holdFor(Duration leaseTime);

    /** See {@link io.distlock.DistributedLock#autoRenew(Duration)}. */
    AutoRenewal autoRenew(Duration interval);

    /** See {@link io.distlock.DistributedLock#info()}. */
    LockInfo info();

    /**
     * The thread of this JVM that holds the lock with a valid lease, or null (a thread that
     * waits for the server, or whose lease is lost, is no owner). For the read side: null.
     */
    Thread owner();

    /**
     * The condition of this lock with the given name, shared by every JVM (see
     * {@link io.distlock.DistributedLock#newCondition(String)}).
     */
    java.util.concurrent.locks.Condition newCondition(String conditionName);

    /** See {@link java.util.concurrent.locks.ReentrantLock#hasWaiters}; asks the server. */
    boolean hasWaiters(java.util.concurrent.locks.Condition condition);

    /** See {@link java.util.concurrent.locks.ReentrantLock#getWaitQueueLength}; asks the server. */
    int getWaitQueueLength(java.util.concurrent.locks.Condition condition);

    /** The threads of this JVM awaiting the condition. */
    java.util.Collection<Thread> getWaitingThreads(java.util.concurrent.locks.Condition condition);

    /** The local state in the style of {@code ReentrantLock.toString()}'s suffix. */
    String describeState();
}
