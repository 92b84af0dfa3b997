package io.distlock;

import io.distlock.internal.LockObjectBinding;
import io.distlock.internal.LocalReadWrite;
import io.distlock.internal.ReadWriteSync;
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
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link DistributedReadWriteLock} that is a {@link ReentrantReadWriteLock}, so that code
 * declaring a field of type {@code ReentrantReadWriteLock} (or its {@code ReadLock} and
 * {@code WriteLock}) takes a distributed lock with no other change. The back ends' read/write lock
 * classes extend it; instances are made only by their factory
 * ({@link DistributedLockFactory#getReadWriteLock(String)}), and a constructor called in any other
 * way throws {@link IllegalStateException}.
 *
 * <p>As with {@link DistributedReentrantLock}, a factory returns one object per name while it is
 * referenced, and the superclass's own synchronizer is the queue in which this JVM's threads wait:
 * the {@code final} methods {@link #hasQueuedThreads()}, {@link #hasQueuedThread(Thread)},
 * {@link #getQueueLength()} and {@link #isFair()} answer truthfully for this JVM.
 *
 * <p><b>Fair locks</b> ({@link LockOptions#fair()}, as {@code new ReentrantReadWriteLock(true)}):
 * every thread whose first hold of either lock must wait takes its own place in the server's
 * queue, so readers and writers of every JVM acquire in the order they reached the server: a
 * reader waits for every writer queued before it, a writer for everyone queued before it, and
 * readers that follow each other get in together (tested with readers and writers of three JVMs
 * against {@code ReentrantReadWriteLock(true)} itself). None of them waits in the local queue, so
 * on a fair lock the {@code final} methods {@link #hasQueuedThreads()},
 * {@link #hasQueuedThread(Thread)} and {@link #getQueueLength()} do not count them (they read
 * the superclass's synchronizer, which they never enter); {@link #getQueuedThreads()},
 * {@link #getQueuedReaderThreads()} and {@link #getQueuedWriterThreads()} do. A write holder
 * taking the read lock (a downgrade) does not queue. {@code tryLock(0, unit)} honours the queue.
 * Fairness holds among the factories of a name that are all fair: a non-fair factory's readers
 * and writers do not look at the queue.
 *
 * <p><b>{@code tryLock()}</b> overtakes waiters as {@code ReentrantReadWriteLock}'s does, fair or
 * not, on every back end: the write lock's takes a lock nobody holds even when others are
 * queued, and the read lock's reads past queued writers as long as none of them holds the lock
 * (past the writer that asked first, or that marks its intent on Redis). {@code tryLock(0, unit)}
 * does not: a fair lock's gives way to everyone queued before it, a non-fair read lock's to
 * waiting writers. One difference: on a non-fair lock, a writer of this JVM that waits for the
 * server holds this JVM's local write lock meanwhile, so this JVM's read {@code tryLock()} returns
 * {@code false} until it is through, where {@code ReentrantReadWriteLock}'s would read past it.
 *
 * <p>{@link #readLock()} and {@link #writeLock()} return locks that are at once the
 * superclass's {@code ReadLock} / {@code WriteLock} types and {@link DistributedLock}s. Every
 * other method is overridden with its distributed meaning, stated on each. Serialization is
 * refused with {@link NotSerializableException}, as for {@link DistributedReentrantLock}.
 */
public abstract class DistributedReentrantReadWriteLock extends ReentrantReadWriteLock
        implements DistributedReadWriteLock {

    private static final long serialVersionUID = 1L;

    private final transient ReadWriteSync sync;
    private final transient DistributedReadLock readLock;
    private final transient DistributedWriteLock writeLock;

    /**
     * Binds the new object to the state of its name in the factory that is making it.
     *
     * @throws IllegalStateException unless called by a lock factory's {@code getReadWriteLock}
     */
    protected DistributedReentrantReadWriteLock() {
        super(LockObjectBinding.fair());
        this.sync = LockObjectBinding.bind(new Local(), ReadWriteSync.class);
        this.readLock = new DistributedReadLock(this, sync.readSide());
        this.writeLock = new DistributedWriteLock(this, sync.writeSide());
    }

    @Override
    public final String getName() {
        return sync.name();
    }

    /**
     * Returns the lock used for reading, the same object on every call.
     *
     * @return the read lock
     */
    @Override
    public DistributedReadLock readLock() {
        return readLock;
    }

    /**
     * Returns the lock used for writing, the same object on every call.
     *
     * @return the write lock
     */
    @Override
    public DistributedWriteLock writeLock() {
        return writeLock;
    }

    /**
     * Queries the number of read holds of this lock by the threads of this JVM (each thread's
     * re-entrant holds counted), as {@link ReentrantReadWriteLock#getReadLockCount()} does for
     * one JVM. No network call; readers in other JVMs are not counted.
     *
     * @return the number of read holds in this JVM
     */
    @Override
    public int getReadLockCount() {
        return new Local().readLockCount();
    }

    /**
     * Queries the server whether any JVM holds the write lock: the same as
     * {@code writeLock().isLocked()}, one round trip. Meant for monitoring; the answer may be stale
     * when it is returned.
     *
     * @return {@code true} if a writer holds the lock somewhere
     * @throws LockBackendException if the back end cannot be reached after the configured retries
     * @throws IllegalStateException if the factory that made this lock has been closed
     */
    @Override
    public boolean isWriteLocked() {
        return writeLock.isLocked();
    }

    /**
     * Queries whether the current thread holds the write lock with a valid lease, the same as
     * {@code writeLock().isHeldByCurrentThread()}. No network call.
     *
     * @return {@code true} if the current thread holds the write lock with a valid lease
     */
    @Override
    public boolean isWriteLockedByCurrentThread() {
        return writeLock.isHeldByCurrentThread();
    }

    /**
     * Queries the number of re-entrant write holds of the current thread, the same as
     * {@code writeLock().getHoldCount()}. No network call.
     *
     * @return the write holds of the current thread, or zero
     */
    @Override
    public int getWriteHoldCount() {
        return writeLock.getHoldCount();
    }

    /**
     * Queries the number of re-entrant read holds of the current thread, the same as
     * {@code readLock().getHoldCount()}. No network call.
     *
     * @return the read holds of the current thread, or zero
     */
    @Override
    public int getReadHoldCount() {
        return readLock.getHoldCount();
    }

    /**
     * Returns the thread of this JVM that holds the write lock with a valid lease, or
     * {@code null}: the write lock may then be free, held in another JVM, or being acquired from
     * the server by a thread of this JVM. No network call.
     *
     * @return the writer in this JVM, or {@code null}
     */
    @Override
    protected Thread getOwner() {
        return sync.writeSide().owner();
    }

    /**
     * Returns the threads of this JVM waiting for the write lock: in the local queue and, for a
     * {@linkplain #isFair() fair} lock, in the server's queue. No network call; threads of other
     * JVMs are not seen.
     *
     * @return the queued writers of this JVM
     */
    @Override
    protected Collection<Thread> getQueuedWriterThreads() {
        return joined(new Local().queuedWriterThreads(), sync.serverQueuedWriters());
    }

    /**
     * Returns the threads of this JVM waiting for the read lock: in the local queue and, for a
     * {@linkplain #isFair() fair} lock, in the server's queue. No network call; threads of other
     * JVMs are not seen.
     *
     * @return the queued readers of this JVM
     */
    @Override
    protected Collection<Thread> getQueuedReaderThreads() {
        return joined(new Local().queuedReaderThreads(), sync.serverQueuedReaders());
    }

    /**
     * Returns the threads of this JVM waiting for either lock: in the local queue (the threads
     * {@link #getQueueLength()} counts) and, for a {@linkplain #isFair() fair} lock, in the
     * server's queue. No network call; threads of other JVMs are not seen.
     *
     * @return the queued threads of this JVM
     */
    @Override
    protected Collection<Thread> getQueuedThreads() {
        return joined(new Local().queuedThreads(), sync.serverQueuedWriters(), sync.serverQueuedReaders());
    }

    @SafeVarargs
    private static Collection<Thread> joined(Collection<Thread> local, Collection<Thread>... server) {
        java.util.List<Thread> all = new java.util.ArrayList<>(local);
        for (Collection<Thread> s : server) {
            all.addAll(s);
        }
        return all;
    }

    /**
     * Queries whether any thread, in any JVM, awaits the given condition of the write lock: asks
     * the server (one round trip).
     *
     * @param condition the condition
     * @return {@code true} if there are waiters
     * @throws NullPointerException if {@code condition} is {@code null}
     * @throws IllegalArgumentException if the condition was not created by the write lock
     * @throws IllegalMonitorStateException if the current thread does not hold the write lock
     */
    @Override
    public boolean hasWaiters(Condition condition) {
        return sync.writeSide().hasWaiters(condition);
    }

    /**
     * Returns the number of threads, in every JVM, awaiting the given condition of the write
     * lock: asks the server (one round trip).
     *
     * @param condition the condition
     * @return the number of waiters
     * @throws NullPointerException if {@code condition} is {@code null}
     * @throws IllegalArgumentException if the condition was not created by the write lock
     * @throws IllegalMonitorStateException if the current thread does not hold the write lock
     */
    @Override
    public int getWaitQueueLength(Condition condition) {
        return sync.writeSide().getWaitQueueLength(condition);
    }

    /**
     * Returns the threads of this JVM awaiting the given condition of the write lock. No network
     * call.
     *
     * @param condition the condition
     * @return the waiting threads of this JVM
     * @throws NullPointerException if {@code condition} is {@code null}
     * @throws IllegalArgumentException if the condition was not created by the write lock
     * @throws IllegalMonitorStateException if the current thread does not hold the write lock
     */
    @Override
    protected Collection<Thread> getWaitingThreads(Condition condition) {
        return sync.writeSide().getWaitingThreads(condition);
    }

    /**
     * Returns a string identifying this lock and the state of both locks as seen by this JVM:
     * the class and the name, then, in the words of {@link ReentrantReadWriteLock#toString()},
     * {@code "[Write locks = " + w + ", Read locks = " + r + "]"}, where {@code w} counts the
     * write holds of this JVM's {@linkplain #getOwner() writer} (zero if no thread of this JVM
     * holds the write lock with a valid lease) and {@code r} the read holds of this JVM's threads,
     * as {@link #getReadLockCount()}. No network call: the counts are this JVM's, and holders in
     * other JVMs are not counted.
     *
     * @return a string identifying this lock and its local state
     */
    @Override
    public String toString() {
        int writeHolds = sync.writeSide().owner() == null ? 0 : new Local().writeLockCount();
        return getClass().getSimpleName() + "[" + sync.name() + "][Write locks = " + writeHolds
                + ", Read locks = " + getReadLockCount() + "]";
    }

    /**

     * Refuses serialization: a lock is bound to its factory's connection.

     *

     * @param out the stream, not written to

     * @throws NotSerializableException always

     */

    private void writeObject(ObjectOutputStream out) throws NotSerializableException {
        throw new NotSerializableException(getClass().getSimpleName() + " '" + getName() + "' is bound to the "
                + "connection of the factory that made it and cannot be serialized: keep it in a transient "
                + "field and call getReadWriteLock(name) again after reading");
    }

    /**

     * Refuses deserialization: look the lock up with {@code getLock(name)} instead.

     *

     * @param in the stream, not read

     * @throws InvalidObjectException always

     */

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw refusedOnRead();
    }

    /**

     * Refuses a stream that leaves this class out of the hierarchy.

     *

     * @throws InvalidObjectException always

     */

    private void readObjectNoData() throws InvalidObjectException {
        throw refusedOnRead();
    }

    private static InvalidObjectException refusedOnRead() {
        return new InvalidObjectException("a distributed lock cannot be deserialized: look it up with "
                + "getReadWriteLock(name)");
    }

    /** The read lock of a {@link DistributedReentrantReadWriteLock}. */
    public static final class DistributedReadLock extends ReentrantReadWriteLock.ReadLock
            implements DistributedLock {

        private static final long serialVersionUID = 1L;

        private final transient HoldSync side;
        private final transient DistributedReentrantReadWriteLock owner;

        private DistributedReadLock(DistributedReentrantReadWriteLock owner, HoldSync side) {
            super(owner);
            this.owner = owner;
            this.side = side;
        }

        @Override
        public String getName() {
            return side.name();
        }

        @Override
        public void lock() {
            side.lock();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            side.lockInterruptibly();
        }

        @Override
        public boolean tryLock() {
            return side.tryLock();
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            return side.tryLock(time, unit);
        }

        @Override
        public void unlock() {
            side.unlock();
        }

        /**
         * Throws {@link UnsupportedOperationException}, as the read lock of a
         * {@code ReentrantReadWriteLock} does.
         *
         * @throws UnsupportedOperationException always
         */
        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("the read lock of '" + getName() + "' has no conditions");
        }

        /**
         * Throws {@link UnsupportedOperationException}: a read lock has no conditions.
         *
         * @throws UnsupportedOperationException always
         */
        @Override
        public Condition newCondition(String conditionName) {
            return side.newCondition(conditionName);
        }

        @Override
        public int getHoldCount() {
            return side.getHoldCount();
        }

        @Override
        public boolean isHeldByCurrentThread() {
            return side.isHeldByCurrentThread();
        }

        /**
         * Queries the server whether any JVM holds the read lock (one round trip).
         *
         * @return {@code true} if a reader holds the lock somewhere
         */
        @Override
        public boolean isLocked() {
            return side.isLocked();
        }

        @Override
        public long getFencingToken() {
            return side.getFencingToken();
        }

        @Override
        public void renew(Duration leaseTime) {
            side.renew(leaseTime);
        }

        @Override
        public void holdFor(Duration leaseTime) {
            side.holdFor(leaseTime);
        }

        @Override
        public AutoRenewal autoRenew(Duration interval) {
            return side.autoRenew(interval);
        }

        @Override
        public LockInfo info() {
            return side.info();
        }

        /**
         * Queries whether threads of this JVM wait for either lock of this read/write lock. No
         * network call.
         *
         * @return {@code true} if threads of this JVM may be waiting
         */
        @Override
        public boolean hasQueuedThreads() {
            return owner.hasQueuedThreads();
        }

        /**
         * Returns a string identifying this lock: the read/write lock's class and name, then, in
         * the words of {@link ReentrantReadWriteLock.ReadLock#toString()},
         * {@code "[Read locks = " + r + "]"}, where {@code r} counts the read holds of this JVM's
         * threads. No network call: readers in other JVMs are not counted.
         *
         * @return a string identifying this lock
         */
        @Override
        public String toString() {
            return owner.getClass().getSimpleName() + ".readLock[" + side.name() + "]" + side.describeState();
        }

        /**

         * Refuses serialization: a lock is bound to its factory's connection.

         *

         * @param out the stream, not written to

         * @throws NotSerializableException always

         */

        private void writeObject(ObjectOutputStream out) throws NotSerializableException {
            throw new NotSerializableException("the read lock of '" + getName() + "' cannot be serialized");
        }

        /**

         * Refuses deserialization: look the lock up with {@code getLock(name)} instead.

         *

         * @param in the stream, not read

         * @throws InvalidObjectException always

         */

        private void readObject(ObjectInputStream in) throws InvalidObjectException {
            throw refusedOnRead();
        }

        /**

         * Refuses a stream that leaves this class out of the hierarchy.

         *

         * @throws InvalidObjectException always

         */

        private void readObjectNoData() throws InvalidObjectException {
            throw refusedOnRead();
        }
    }

    /** The write lock of a {@link DistributedReentrantReadWriteLock}. */
    public static final class DistributedWriteLock extends ReentrantReadWriteLock.WriteLock
            implements DistributedLock {

        private static final long serialVersionUID = 1L;

        private final transient HoldSync side;
        private final transient DistributedReentrantReadWriteLock owner;
        private final transient java.util.concurrent.atomic.AtomicInteger conditionIndex =
                new java.util.concurrent.atomic.AtomicInteger();

        private DistributedWriteLock(DistributedReentrantReadWriteLock owner, HoldSync side) {
            super(owner);
            this.owner = owner;
            this.side = side;
        }

        @Override
        public String getName() {
            return side.name();
        }

        @Override
        public void lock() {
            side.lock();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            side.lockInterruptibly();
        }

        @Override
        public boolean tryLock() {
            return side.tryLock();
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            return side.tryLock(time, unit);
        }

        @Override
        public void unlock() {
            side.unlock();
        }

        /**
         * Returns a new distributed condition of the write lock, named by its creation index on
         * this lock ({@code "#0"}, {@code "#1"}, ...), as {@link DistributedReentrantLock#newCondition()}
         * does. An await releases the write lock only (read holds of the thread stay, as with
         * {@code ReentrantReadWriteLock}).
         *
         * @return the condition
         */
        @Override
        public Condition newCondition() {
            return side.newCondition("#" + conditionIndex.getAndIncrement());
        }

        @Override
        public Condition newCondition(String conditionName) {
            return side.newCondition(conditionName);
        }

        @Override
        public int getHoldCount() {
            return side.getHoldCount();
        }

        @Override
        public boolean isHeldByCurrentThread() {
            return side.isHeldByCurrentThread();
        }

        /**
         * Queries the server whether any JVM holds the write lock (one round trip).
         *
         * @return {@code true} if a writer holds the lock somewhere
         */
        @Override
        public boolean isLocked() {
            return side.isLocked();
        }

        @Override
        public long getFencingToken() {
            return side.getFencingToken();
        }

        @Override
        public void renew(Duration leaseTime) {
            side.renew(leaseTime);
        }

        @Override
        public void holdFor(Duration leaseTime) {
            side.holdFor(leaseTime);
        }

        @Override
        public AutoRenewal autoRenew(Duration interval) {
            return side.autoRenew(interval);
        }

        @Override
        public LockInfo info() {
            return side.info();
        }

        /**
         * Queries whether threads of this JVM wait for either lock of this read/write lock. No
         * network call.
         *
         * @return {@code true} if threads of this JVM may be waiting
         */
        @Override
        public boolean hasQueuedThreads() {
            return owner.hasQueuedThreads();
        }

        /**
         * Returns a string identifying this lock: the read/write lock's class and name, then, in
         * the words of {@link ReentrantReadWriteLock.WriteLock#toString()}, {@code "[Unlocked]"}
         * or {@code "[Locked by thread " + name + "]"} naming the thread of this JVM that holds
         * the write lock with a valid lease. No network call: {@code "[Unlocked]"} does not mean
         * that no other JVM holds it.
         *
         * @return a string identifying this lock
         */
        @Override
        public String toString() {
            return owner.getClass().getSimpleName() + ".writeLock[" + side.name() + "]" + side.describeState();
        }

        /**

         * Refuses serialization: a lock is bound to its factory's connection.

         *

         * @param out the stream, not written to

         * @throws NotSerializableException always

         */

        private void writeObject(ObjectOutputStream out) throws NotSerializableException {
            throw new NotSerializableException("the write lock of '" + getName() + "' cannot be serialized");
        }

        /**

         * Refuses deserialization: look the lock up with {@code getLock(name)} instead.

         *

         * @param in the stream, not read

         * @throws InvalidObjectException always

         */

        private void readObject(ObjectInputStream in) throws InvalidObjectException {
            throw refusedOnRead();
        }

        /**

         * Refuses a stream that leaves this class out of the hierarchy.

         *

         * @throws InvalidObjectException always

         */

        private void readObjectNoData() throws InvalidObjectException {
            throw refusedOnRead();
        }
    }

    /** This object's own {@code ReentrantReadWriteLock}, reached past its overrides, for the engine. */
    private final class Local implements LocalReadWrite {
        @Override
        public Object lockObject() {
            return DistributedReentrantReadWriteLock.this;
        }

        @Override
        public Lock readLock() {
            return DistributedReentrantReadWriteLock.super.readLock();
        }

        @Override
        public Lock writeLock() {
            return DistributedReentrantReadWriteLock.super.writeLock();
        }

        @Override
        public int readHoldCount() {
            return DistributedReentrantReadWriteLock.super.getReadHoldCount();
        }

        @Override
        public int writeHoldCount() {
            return DistributedReentrantReadWriteLock.super.getWriteHoldCount();
        }

        @Override
        public boolean isWriteLockedByCurrentThread() {
            return DistributedReentrantReadWriteLock.super.isWriteLockedByCurrentThread();
        }

        @Override
        public int readLockCount() {
            return DistributedReentrantReadWriteLock.super.getReadLockCount();
        }

        /**
         * The write holds of the local lock, whoever holds them: read from the local lock's own
         * {@code toString()}, the only place the JDK tells them to a thread that is not the
         * writer.
         */
        int writeLockCount() {
            String local = DistributedReentrantReadWriteLock.super.toString();
            String label = "[Write locks = ";
            int at = local.lastIndexOf(label) + label.length();
            return Integer.parseInt(local.substring(at, local.indexOf(',', at)));
        }

        @Override
        public Thread owner() {
            return DistributedReentrantReadWriteLock.super.getOwner();
        }

        @Override
        public boolean hasQueuedThreads() {
            return DistributedReentrantReadWriteLock.this.hasQueuedThreads();
        }

        @Override
        public Collection<Thread> queuedWriterThreads() {
            return DistributedReentrantReadWriteLock.super.getQueuedWriterThreads();
        }

        @Override
        public Collection<Thread> queuedReaderThreads() {
            return DistributedReentrantReadWriteLock.super.getQueuedReaderThreads();
        }

        @Override
        public Collection<Thread> queuedThreads() {
            return DistributedReentrantReadWriteLock.super.getQueuedThreads();
        }
    }
}
