package io.distlock.etcd;

import io.distlock.DistributedReentrantReadWriteLock;
import io.distlock.DistributedReadWriteLock;

/**
 * A {@link java.util.concurrent.locks.ReadWriteLock} shared through etcd, with the semantics
 * described in {@link DistributedReadWriteLock}. It is a
 * {@link java.util.concurrent.locks.ReentrantReadWriteLock} (see
 * {@link io.distlock.DistributedReentrantReadWriteLock} for what its methods mean across JVMs). Obtain instances from
 * {@link EtcdLockFactory#getReadWriteLock(String)}; both flavours of factory build it the same
 * way, on transactions and the factory's session lease.
 *
 * <p><b>Fairness.</b> First come, first served across JVMs: every acquisition queues a key on the
 * server, ordered by etcd's revision; a reader waits only for the writers queued before it, a
 * writer for everyone queued before it. Neither waiting readers nor waiting writers can be
 * starved. Only the read lock's {@code tryLock()} reads past queued writers, as long as none of
 * them holds the lock, as {@code ReentrantReadWriteLock.tryLock()} does (so readers that call it
 * in a loop without pause can keep a writer out, as they can a {@code ReentrantReadWriteLock}'s;
 * {@code tryLock(0, unit)} gives way to queued writers). In a
 * {@linkplain io.distlock.LockOptions#fair() fair} factory each waiting thread takes its own place
 * (not one per JVM), so threads of every JVM are served in the order they asked.
 *
 * <p><b>Keys.</b> Read/write lock {@code name} keeps its queue under
 * {@code prefix + "rw/" + name.length() + ":" + name + "/"}, apart from the keys of exclusive
 * locks ({@code "x/"} and {@code "q/"} ranges) whatever the names.
 *
 * <p><b>Cost.</b> A first acquisition that finds nothing in its way is one transaction (put and
 * count), a release one delete; a waiter counts again after each relevant delete it watches. A
 * read {@code tryLock()} that finds writers queued before it makes two more: a read, and the
 * transaction that puts it past them.
 */
public final class EtcdReadWriteLock extends DistributedReentrantReadWriteLock {

    private static final long serialVersionUID = 1L;

    EtcdReadWriteLock() {
    }
}
