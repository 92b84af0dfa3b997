package io.distlock;

import io.distlock.internal.LockObjectBinding;
import io.distlock.internal.LocalMutex;
import io.distlock.internal.HoldSync;
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
 * are not counted), and {@link #isFair()} tells whether the factory's locks are fair. Every other method of
 * {@code ReentrantLock} is overridden with its distributed meaning, stated on each method: some
 * speak for this JVM only, others ask the server and say what that costs.
 *
 * <p><b>Fair locks</b> ({@link LockOptions#fair()}, as {@code new ReentrantLock(true)}): every
 * thread that must wait takes its own place in the server's queue, so threads of every JVM
 * acquire in the order they reached the server, and none waits in the local queue (the local part
 * is taken only once the server has granted the lease). So on a fair lock the {@code final}
 * methods {@link #hasQueuedThreads()}, {@link #hasQueuedThread(Thread)} and
 * {@link #getQueueLength()} do not count the waiting threads (they read the superclass's
 * synchronizer, which they never enter); {@link #getQueuedThreads()} does. {@link #tryLock()} takes a free
 * lock at once even when others are queued, as on a fair {@code ReentrantLock};
 * {@code tryLock(0, unit)} honours the queue: it takes a free lock only if nobody is queued, and
 * never queues. A waiter that gives up leaves the server's queue in the background, one round
 * trip after its call returned; until then {@code tryLock(0, unit)} counts it as queued.
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
    private final transient HoldSync sync;
    /** The creation index of the next implicit condition. */
    private final transient java.util.concurrent.atomic.AtomicInteger conditionIndex =
            new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Binds the new object to the state of its name in the factory that is making it.
     *
     * @throws IllegalStateException unless called by a lock factory's {@code getLock}
     */
    protected DistributedReentrantLock() {
        super(LockObjectBinding.fair());
        this.sync = LockObjectBinding.bind(new Local(), HoldSync.class);
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

    /**
     * Returns a new distributed condition of this lock, identified in every JVM by the lock's
     * name and the condition's creation index on this object: the first call gives condition
     * {@code "#0"}, the next {@code "#1"}, and so on, the same as
     * {@link #newCondition(String) newCondition("#0")}. Code that creates its conditions in a
     * fixed order right after getting the lock (as legacy {@code ReentrantLock} code does) thus
     * gets the same conditions in every JVM; code that creates them in an order that depends on
     * data must name them. The index counts per lock object, which the factory keeps while it is
     * referenced (a condition references its lock).
     *
     * <p>The condition behaves as {@code ReentrantLock}'s: see {@link DistributedLock#newCondition(String)}.
     *
     * @return the condition
     * @throws UnsupportedOperationException if the back end has no conditions
     */
    @Override
    public Condition newCondition() {
        return sync.newCondition("#" + conditionIndex.getAndIncrement());
    }

    @Override
    public Condition newCondition(String conditionName) {
        return sync.newCondition(conditionName);
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
    public void holdFor(Duration leaseTime) {
        sync.holdFor(leaseTime);
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
     * Returns the threads of this JVM waiting for this lock, in no particular order: those in the
     * local queue (the same threads that {@link #getQueueLength()} counts) and, for a
     * {@linkplain #isFair() fair} lock, those waiting in the server's queue; the thread of a
     * non-fair lock that is acquiring the lock from the server is not included. No network call;
     * threads of other JVMs are not seen.
     *
     * @return the queued threads of this JVM
     */
    @Override
    protected Collection<Thread> getQueuedThreads() {
        return sync instanceof io.distlock.internal.LockSync
                ? ((io.distlock.internal.LockSync) sync).queuedThreads() : new Local().queuedThreads();
    }

    /**
     * Queries whether any thread, in any JVM, awaits the given condition of this lock: asks the
     * server (one round trip), which counts the live waiter records.
     *
     * @param condition the condition
     * @return {@code true} if there are waiters
     * @throws NullPointerException if {@code condition} is {@code null}
     * @throws IllegalArgumentException if the condition was not created by this lock
     * @throws IllegalMonitorStateException if the current thread does not hold this lock
     * @throws LockBackendException if the back end cannot be reached after the configured retries
     */
    @Override
    public boolean hasWaiters(Condition condition) {
        return sync.hasWaiters(condition);
    }

    /**
     * Returns the number of threads, in every JVM, awaiting the given condition of this lock:
     * asks the server (one round trip), which counts the live waiter records.
     *
     * @param condition the condition
     * @return the number of waiters
     * @throws NullPointerException if {@code condition} is {@code null}
     * @throws IllegalArgumentException if the condition was not created by this lock
     * @throws IllegalMonitorStateException if the current thread does not hold this lock
     * @throws LockBackendException if the back end cannot be reached after the configured retries
     */
    @Override
    public int getWaitQueueLength(Condition condition) {
        return sync.getWaitQueueLength(condition);
    }

    /**
     * Returns the threads of this JVM awaiting the given condition of this lock. No network
     * call; waiters in other JVMs are not seen. A thread is listed from the moment the next
     * holder can take the lock after its {@code await} released it, until a signal took it: a
     * thread signalled by {@code signal()} / {@code signalAll()} of this JVM is no longer listed
     * when that call returns, and is then normally queued for the lock (the signal waits up to
     * 1 s for that; on a fair lock "queued" means waiting for the server, as
     * {@link #getQueuedThreads()} lists it). One signalled from another JVM, or by a signal whose
     * first answer was lost and was sent again, is listed until it has learnt of the signal from
     * the server.
     *
     * @param condition the condition
     * @return the waiting threads of this JVM
     * @throws NullPointerException if {@code condition} is {@code null}
     * @throws IllegalArgumentException if the condition was not created by this lock
     * @throws IllegalMonitorStateException if the current thread does not hold this lock
     */
    @Override
    protected Collection<Thread> getWaitingThreads(Condition condition) {
        return sync.getWaitingThreads(condition);
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

    /**

     * Refuses serialization: a lock is bound to its factory's connection.

     *

     * @param out the stream, not written to

     * @throws NotSerializableException always

     */

    private void writeObject(ObjectOutputStream out) throws NotSerializableException {
        throw new NotSerializableException(label() + " '" + getName() + "' is bound to the connection of the "
                + "factory that made it and cannot be serialized: keep it in a transient field and call "
                + "getLock(name) again after reading");
    }

    /**

     * Refuses deserialization: look the lock up with {@code getLock(name)} instead.

     *

     * @param in the stream, not read

     * @throws InvalidObjectException always

     */

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a distributed lock cannot be deserialized: look it up with getLock(name)");
    }

    /**

     * Refuses a stream that leaves this class out of the hierarchy.

     *

     * @throws InvalidObjectException always

     */

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
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            return DistributedReentrantLock.super.tryLock(time, unit);
        }

        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("the local part of a distributed lock has no conditions");
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
