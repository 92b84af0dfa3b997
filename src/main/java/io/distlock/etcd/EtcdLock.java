package io.distlock.etcd;

import io.distlock.DistributedReentrantLock;
import io.distlock.DistributedLock;

/**
 * A reentrant {@link java.util.concurrent.locks.Lock} shared through etcd by every JVM that uses
 * the same etcd cluster and key prefix. Obtain instances from {@link EtcdLockFactory#getLock}:
 * one object per name in each factory (while it is referenced).
 *
 * <p>It is a {@link java.util.concurrent.locks.ReentrantLock}, so it can be assigned where code
 * declares one; its behaviour is that of {@code ReentrantLock} with the additions described in
 * {@link DistributedLock}, and its {@code ReentrantLock} methods are described in
 * {@link io.distlock.DistributedReentrantLock}. In the terms the {@code Lock} interface asks for:
 * <ul>
 *   <li><b>Interruption:</b> {@link #lockInterruptibly()} and {@link #tryLock(long,
 *       java.util.concurrent.TimeUnit)} can be interrupted while waiting, locally or for etcd;
 *       {@link #lock()} cannot, and keeps the interrupt status.</li>
 *   <li><b>Misuse:</b> {@link #unlock()} by a thread that does not hold the lock throws
 *       {@link IllegalMonitorStateException}.</li>
 *   <li><b>Release:</b> only the holding thread may release it; on the server only the holder of
 *       the lease can delete the lock key.</li>
 *   <li><b>Leases:</b> the lock key is attached to an etcd lease, kept alive while the lock is held
 *       (unless the factory's options turn the watchdog off). When the lease is lost (expired during
 *       a partition or a pause, revoked) the final {@code unlock()} throws
 *       {@link io.distlock.LeaseLostException}.</li>
 *   <li><b>Fairness:</b> with {@link EtcdFlavour#LOCK_SERVICE} JVMs acquire in the order they asked
 *       the server; with {@link EtcdFlavour#TRANSACTION} there is no order. With
 *       {@link io.distlock.LockOptions#fair()} set, on either flavour, every thread (not only
 *       every JVM) acquires in the order it reached the server.</li>
 *   <li><b>Conditions:</b> {@link #newCondition()} and {@link #newCondition(String)} make
 *       conditions that work across JVMs: an {@code await} queues the waiter on the server and
 *       gives the lease back in one atomic step, and a signal wakes a waiter of any JVM (see
 *       {@link io.distlock.DistributedLock#newCondition(String)}).</li>
 * </ul>
 *
 * <p>The fencing token is an etcd revision, so it grows with every write to the cluster, not just
 * with acquisitions of this lock.
 */
public final class EtcdLock extends DistributedReentrantLock {

    private static final long serialVersionUID = 1L;

    EtcdLock() {
    }
}
