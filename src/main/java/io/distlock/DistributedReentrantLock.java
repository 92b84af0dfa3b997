package io.distlock;

import io.distlock.internal.Binding;
import io.distlock.internal.LocalMutex;
import io.distlock.internal.SyncOps;
import java.io.InvalidObjectException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link DistributedLock} that is a {@link ReentrantLock}, so that code declaring a field or a
 * parameter of type {@code ReentrantLock} takes a distributed lock with no other change. The back
 * ends' lock classes ({@code RedisLock}, {@code EtcdLock}) extend it; instances are made only by
 * their factory ({@link DistributedLockFactory#getLock(String)}), and a constructor called in any
 * other way throws {@link IllegalStateException}.
 *
 * <p><b>One object per name.</b> A factory returns the same object for a name for as long as
 * anyone references it (an idle one is then dropped, and a later call makes a new one). Its
 * {@code ReentrantLock} part, the superclass's own synchronizer, is the queue in which the threads
 * of this JVM wait for the lock: the thread holding it is the one that asks the server. So the
 * {@code final} methods of {@code ReentrantLock}, which always read that synchronizer, answer
 * truthfully for this JVM: {@link #hasQueuedThreads()}, {@link #hasQueuedThread(Thread)} and
 * {@link #getQueueLength()} tell the threads of this JVM waiting behind the thread that holds or
 * is acquiring the lock here (threads of other JVMs, and the local thread waiting for the server,
 * are not counted), and {@link #isFair()} tells that the lock is not fair. Every other method of
 * {@code ReentrantLock} is overridden with its distributed meaning, stated on each method: some
 * speak for this JVM only, others ask the server and say what that costs.
 *
 * <p><b>Serialization</b> is refused: a distributed lock is bound to the connection of the
 * factory that made it, which a stream cannot carry. Writing one to an
 * {@link java.io.ObjectOutputStream} throws {@link NotSerializableException}; a class that
 * serializes an object holding such a lock should keep the lock in a {@code transient} field and
 * look it up again by name after reading.
 */
public abstract class DistributedReentrantLock extends ReentrantLock implements DistributedLock {

    private static final long serialVersionUID = 1L;

    /** The engine's state of this lock's name; the engine drives this object's own synchronizer. */
    private final transient SyncOps sync;

    /**
     * Binds the new object to the state of its name in the factory that is making it.
     *
     * @throws IllegalStateException unless called by a lock factory's {@code getLock}
     */
    protected DistributedReentrantLock() {
        super(Binding.fair());
        this.sync = Binding.bind(new Local(), SyncOps.class);
    }

    @Override
    public final String getName() {
        return sync.name();
    }

    @Override
    public void lock() {
        sync.lock();
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        sync.lockInterruptibly();
    }

    @Override
    public boolean tryLock() {
        return sync.tryLock();
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        return sync.tryLock(time, unit);
    }

    @Override
    public void unlock() {
        sync.unlock();
    }

    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException(label() + " does not support conditions yet");
    }

    @Override
    public int getHoldCount() {
        return sync.getHoldCount();
    }

    @Override
    public boolean isHeldByCurrentThread() {
        return sync.isHeldByCurrentThread();
    }

    @Override
    public boolean isLocked() {
        return sync.isLocked();
    }

    @Override
    public long getFencingToken() {
        return sync.getFencingToken();
    }

    @Override
    public void renew(Duration leaseTime) {
        sync.renew(leaseTime);
    }

    @Override
    public AutoRenewal autoRenew(Duration interval) {
        return sync.autoRenew(interval);
    }

    @Override
    public LockInfo info() {
        return sync.info();
    }

    /**
     * Returns the thread of this JVM that holds this lock with a valid lease, or {@code null} if
     * none does: the lock may then be free, held by another JVM, or being acquired from the server
     * by a thread of this JVM. A thread whose lease is lost is no longer the owner (as
     * {@link #isHeldByCurrentThread()} turns {@code false} for it). No network call; the answer
     * speaks for this JVM only.
     *
     * @return the owner in this JVM, or {@code null}
     */
    @Override
    protected Thread getOwner() {
        return sync.owner();
    }

    /**
     * Returns the threads of this JVM waiting in the local queue of this lock (the same threads
     * that {@link #getQueueLength()} counts), in no particular order; the thread of this JVM that
     * is acquiring the lock from the server is not included. No network call; threads of other
     * JVMs are not seen.
     *
     * @return the queued threads of this JVM
     */
    @Override
    protected Collection<Thread> getQueuedThreads() {
        return new Local().queuedThreads();
    }

    /**
     * Would query whether threads wait on a condition of this lock; this lock has no conditions
     * yet, so every condition is one it did not create.
     *
     * @param condition the condition
     * @return never
     * @throws NullPointerException if {@code condition} is {@code null}
     * @throws IllegalArgumentException always otherwise: the condition is not associated with
     *         this lock
     */
    @Override
    public boolean hasWaiters(Condition condition) {
        throw notOurs(condition);
    }

    /**
     * Would estimate the number of threads waiting on a condition of this lock; this lock has no
     * conditions yet, so every condition is one it did not create.
     *
     * @param condition the condition
     * @return never
     * @throws NullPointerException if {@code condition} is {@code null}
     * @throws IllegalArgumentException always otherwise: the condition is not associated with
     *         this lock
     */
    @Override
    public int getWaitQueueLength(Condition condition) {
        throw notOurs(condition);
    }

    /**
     * Would return the threads waiting on a condition of this lock; this lock has no conditions
     * yet, so every condition is one it did not create.
     *
     * @param condition the condition
     * @return never
     * @throws NullPointerException if {@code condition} is {@code null}
     * @throws IllegalArgumentException always otherwise: the condition is not associated with
     *         this lock
     */
    @Override
    protected Collection<Thread> getWaitingThreads(Condition condition) {
        throw notOurs(condition);
    }

    private IllegalArgumentException notOurs(Condition condition) {
        Objects.requireNonNull(condition, "condition");
        return new IllegalArgumentException("the condition was not created by " + label() + " '" + getName() + "'");
    }

    /**
     * Returns a string identifying this lock and its state as seen by this JVM, in the style of
     * {@link ReentrantLock#toString()}: the class, the name, then {@code "[Unlocked]"} or
     * {@code "[Locked by thread " + name + "]"} naming the {@linkplain #getOwner() owner} in this
     * JVM. No network call: {@code "[Unlocked]"} does not mean that no other JVM holds it.
     *
     * @return a string identifying this lock and its local state
     */
    @Override
    public String toString() {
        return label() + "[" + sync.name() + "]" + sync.describeState();
    }

    /** The kind of lock, for messages: the simple class name. */
    private String label() {
        return getClass().getSimpleName();
    }

    private void writeObject(ObjectOutputStream out) throws NotSerializableException {
        throw new NotSerializableException(label() + " '" + getName() + "' is bound to the connection of the "
                + "factory that made it and cannot be serialized: keep it in a transient field and call "
                + "getLock(name) again after reading");
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a distributed lock cannot be deserialized: look it up with getLock(name)");
    }

    private void readObjectNoData() throws InvalidObjectException {
        // a stream that leaves this class out of the hierarchy must not yield an unbound lock either
        throw new InvalidObjectException("a distributed lock cannot be deserialized: look it up with getLock(name)");
    }

    /** This object's own {@code ReentrantLock}, reached past its overrides, for the engine. */
    private final class Local implements LocalMutex {
        @Override
        public Object lockObject() {
            return DistributedReentrantLock.this;
        }

        @Override
        public void lock() {
            DistributedReentrantLock.super.lock();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            DistributedReentrantLock.super.lockInterruptibly();
        }

        @Override
        public boolean tryLock() {
            return DistributedReentrantLock.super.tryLock();
        }

        @Override
        public boolean tryLock(long nanos) throws InterruptedException {
            return DistributedReentrantLock.super.tryLock(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void unlock() {
            DistributedReentrantLock.super.unlock();
        }

        @Override
        public int holdCount() {
            return DistributedReentrantLock.super.getHoldCount();
        }

        @Override
        public boolean isHeldByCurrentThread() {
            return DistributedReentrantLock.super.isHeldByCurrentThread();
        }

        @Override
        public boolean hasQueuedThreads() {
            return DistributedReentrantLock.this.hasQueuedThreads();
        }

        @Override
        public int queueLength() {
            return DistributedReentrantLock.this.getQueueLength();
        }

        @Override
        public Thread owner() {
            return DistributedReentrantLock.super.getOwner();
        }

        @Override
        public Collection<Thread> queuedThreads() {
            return DistributedReentrantLock.super.getQueuedThreads();
        }
    }
}
