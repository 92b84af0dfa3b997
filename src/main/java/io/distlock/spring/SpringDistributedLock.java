package io.distlock.spring;

import io.distlock.AutoRenewal;
import io.distlock.LockInfo;
import io.distlock.LockOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import org.springframework.integration.support.locks.DistributedLock;

/**
 * A lock of a {@link DistributedLockRegistry}: both Spring Integration's {@link DistributedLock}
 * (what Spring Integration 7's {@code RedisLockRegistry} and {@code JdbcLockRegistry} hand out)
 * and this library's {@link io.distlock.DistributedLock}, over the registry's factory lock of
 * the same name. Every method of the library's lock behaves exactly as on the factory's lock (the
 * state lives there: a hold taken through this object is the factory lock's hold, and the
 * reverse).
 *
 * <p>Spring's two methods with a time to live acquire as {@link #lock()} and
 * {@link #tryLock(long, TimeUnit)} do, then give that hold a term of the time to live with
 * {@link #holdFor(Duration)}: the hold ends when the time to live runs out unless
 * {@link DistributedLockRegistry#renewLock(Object, Duration)} or {@link #renew(Duration)} extends
 * it first. The time to live is checked before anything is
 * acquired; if setting it fails the hold is released again and the failure thrown.
 *
 * <p>Thread-safe, as the factory's lock is.
 */
public final class SpringDistributedLock implements DistributedLock, io.distlock.DistributedLock {

    private final io.distlock.DistributedLock lock;

    SpringDistributedLock(io.distlock.DistributedLock lock) {
        this.lock = lock;
    }

    /**
     * Acquires the lock as {@link #lock()} does, then gives this hold a lease of {@code ttl}
     * (see {@link #holdFor(Duration)}).
     *
     * @param ttl the hold's time to live, between {@link LockOptions#MIN_LEASE} and
     *        {@link LockOptions#MAX_LEASE}
     * @throws NullPointerException if {@code ttl} is {@code null}
     * @throws IllegalArgumentException if it is out of range (nothing is acquired)
     * @throws io.distlock.LeaseLostException if the current thread holds the lock under a lost
     *         lease (as {@link #lock()})
     * @throws io.distlock.LockBackendException if the back end cannot be reached after the
     *         configured retries; the lock is then not held (a hold taken before the time to live
     *         could be set is released again)
     * @throws IllegalStateException if the factory has been closed
     */
    @Override
    public void lock(Duration ttl) {
        checkTtl(ttl);
        lock.lock();
        applyTtl(ttl);
    }

    /**
     * Acquires the lock as {@link #tryLock(long, TimeUnit)} does with {@code waitTime}, then,
     * if it was acquired, gives this hold a lease of {@code ttl} (see {@link #holdFor(Duration)}).
     *
     * @param waitTime the maximum time to wait for the lock
     * @param ttl the hold's time to live, between {@link LockOptions#MIN_LEASE} and
     *        {@link LockOptions#MAX_LEASE}
     * @return {@code true} if the lock was acquired, {@code false} if the waiting time elapsed
     * @throws InterruptedException if the current thread is interrupted while waiting
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code ttl} is out of range (nothing is acquired)
     * @throws io.distlock.LeaseLostException if the current thread holds the lock under a lost
     *         lease (as {@link #tryLock(long, TimeUnit)})
     * @throws io.distlock.LockBackendException if the back end cannot be reached after the
     *         configured retries; the lock is then not held
     * @throws IllegalStateException if the factory has been closed
     */
    @Override
    public boolean tryLock(Duration waitTime, Duration ttl) throws InterruptedException {
        Objects.requireNonNull(waitTime, "waitTime");
        checkTtl(ttl);
        if (!lock.tryLock(TimeUnit.NANOSECONDS.convert(waitTime), TimeUnit.NANOSECONDS)) {
            return false;
        }
        applyTtl(ttl);
        return true;
    }

    private static void checkTtl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.compareTo(LockOptions.MIN_LEASE) < 0 || ttl.compareTo(LockOptions.MAX_LEASE) > 0) {
            throw new IllegalArgumentException("ttl must be between " + LockOptions.MIN_LEASE + " and "
                    + LockOptions.MAX_LEASE + ", was " + ttl);
        }
    }

    /** Gives the hold just taken its time to live; releases it again if that fails. */
    private void applyTtl(Duration ttl) {
        try {
            lock.holdFor(ttl);
        } catch (RuntimeException e) {
            try {
                lock.unlock();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @Override
    public String getName() {
        return lock.getName();
    }

    @Override
    public void lock() {
        lock.lock();
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        lock.lockInterruptibly();
    }

    @Override
    public boolean tryLock() {
        return lock.tryLock();
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        return lock.tryLock(time, unit);
    }

    @Override
    public void unlock() {
        lock.unlock();
    }

    @Override
    public Condition newCondition() {
        return lock.newCondition();
    }

    @Override
    public Condition newCondition(String conditionName) {
        return lock.newCondition(conditionName);
    }

    @Override
    public int getHoldCount() {
        return lock.getHoldCount();
    }

    @Override
    public boolean isHeldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }

    @Override
    public boolean isLocked() {
        return lock.isLocked();
    }

    @Override
    public long getFencingToken() {
        return lock.getFencingToken();
    }

    @Override
    public void renew(Duration leaseTime) {
        lock.renew(leaseTime);
    }

    @Override
    public void holdFor(Duration leaseTime) {
        lock.holdFor(leaseTime);
    }

    @Override
    public AutoRenewal autoRenew(Duration interval) {
        return lock.autoRenew(interval);
    }

    @Override
    public LockInfo info() {
        return lock.info();
    }

    @Override
    public boolean hasQueuedThreads() {
        return lock.hasQueuedThreads();
    }

    /**
     * Returns the factory's lock this object acts on: the same object the factory's
     * {@code getLock(name)} returns while it is referenced.
     *
     * @return the factory's lock
     */
    public io.distlock.DistributedLock factoryLock() {
        return lock;
    }

    @Override
    public String toString() {
        return lock.toString();
    }
}
