package io.distlock.internal;

import io.distlock.DistributedLock;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * The {@link DistributedLock} methods, written once for every back end: each is a one-line
 * delegation to the {@link SyncOps} of the lock's name. Back-end lock classes extend it and
 * add nothing but their name.
 */
public abstract class EngineLock implements DistributedLock {

    private final SyncOps sync;

    /**
     * Creates a lock over the engine's state for one name.
     *
     * @param sync the shared state of the name (or of one side of a read/write lock)
     */
    protected EngineLock(SyncOps sync) {
        this.sync = Objects.requireNonNull(sync, "sync");
    }

    @Override
    public final String getName() {
        return sync.name();
    }

    @Override
    public final void lock() {
        sync.lock();
    }

    @Override
    public final void lockInterruptibly() throws InterruptedException {
        sync.lockInterruptibly();
    }

    @Override
    public final boolean tryLock() {
        return sync.tryLock();
    }

    @Override
    public final boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        return sync.tryLock(time, unit);
    }

    @Override
    public final void unlock() {
        sync.unlock();
    }

    @Override
    public final Condition newCondition() {
        throw new UnsupportedOperationException(label() + " does not support conditions yet");
    }

    @Override
    public final int getHoldCount() {
        return sync.getHoldCount();
    }

    @Override
    public final boolean isHeldByCurrentThread() {
        return sync.isHeldByCurrentThread();
    }

    @Override
    public final boolean isLocked() {
        return sync.isLocked();
    }

    @Override
    public final long getFencingToken() {
        return sync.getFencingToken();
    }

    @Override
    public final void renew(java.time.Duration leaseTime) {
        sync.renew(leaseTime);
    }

    @Override
    public final io.distlock.AutoRenewal autoRenew(java.time.Duration interval) {
        return sync.autoRenew(interval);
    }

    @Override
    public final io.distlock.LockInfo info() {
        return sync.info();
    }

    @Override
    public final boolean hasQueuedThreads() {
        return sync.hasQueuedThreads();
    }

    /**
     * Returns a string identifying this lock and its local state, in the style of
     * {@link java.util.concurrent.locks.ReentrantLock#toString()}: the class, the name and
     * {@code "[Unlocked]"} or {@code "[Locked by thread " + name + "]"} as seen by this JVM.
     */
    @Override
    public final String toString() {
        return label() + "[" + sync.name() + "]" + sync.describeState();
    }

    /**
     * The kind of lock, for {@link #toString()}: the class name unless a subclass says otherwise.
     *
     * @return the label
     */
    protected String label() {
        return getClass().getSimpleName();
    }
}
