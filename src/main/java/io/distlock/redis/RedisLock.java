package io.distlock.redis;

import io.distlock.DistributedReentrantLock;
import io.distlock.DistributedLock;

/**
 * A reentrant {@link java.util.concurrent.locks.Lock} shared through Redis by every JVM that uses
 * the same Redis deployment and key prefix. Obtain instances from
 * {@link RedisLockFactory#getLock(String)}: one object per name in each factory (while it is
 * referenced), and the objects of one name in every JVM exclude each other.
 *
 * <p>It is a {@link java.util.concurrent.locks.ReentrantLock} (non-fair, or fair when the
 * factory's {@link io.distlock.LockOptions#fair()} is set: waiters then queue on the server in
 * arrival order, and a release wakes the head of the queue only), so it can be assigned
 * where code declares one; its behaviour is that of {@code ReentrantLock} with the additions
 * described in {@link DistributedLock}, and its {@code ReentrantLock} methods are described in
 * {@link io.distlock.DistributedReentrantLock}. In the terms the {@code Lock} interface asks
 * implementations to document:
 * <ul>
 *   <li><b>Interruption:</b> {@link #lockInterruptibly()} and {@link #tryLock(long,
 *       java.util.concurrent.TimeUnit)} can be interrupted while waiting, locally or for Redis;
 *       {@link #lock()} cannot, and keeps the interrupt status.</li>
 *   <li><b>Misuse:</b> {@link #unlock()} by a thread that does not hold the lock throws
 *       {@link IllegalMonitorStateException}, as {@code ReentrantLock} does.</li>
 *   <li><b>Release:</b> only the thread that holds the lock may release it; on the server only
 *       the holder of the lease token can delete or renew the lease.</li>
 *   <li><b>Leases:</b> the lease (a key with a TTL) is renewed by a watchdog every third of the
 *       lease time while held, unless the factory's options turn the watchdog off. When it is
 *       lost, the final {@code unlock()} throws {@link io.distlock.LeaseLostException}.</li>
 *   <li><b>Conditions:</b> {@link #newCondition()} and {@link #newCondition(String)} make
 *       conditions that work across JVMs: an {@code await} queues the waiter on the server and
 *       gives the lease back in one atomic step, and a signal wakes a waiter of any JVM (see
 *       {@link io.distlock.DistributedLock#newCondition(String)}).</li>
 * </ul>
 *
 * <p>Cost on the server: acquiring a free lock is one round trip (one Lua script that sets the
 * key and computes the fencing token), releasing is one (a compare-and-delete script that also
 * publishes the release). Re-acquiring by the holder and hand-overs between threads of one JVM
 * make no network call.
 */
public final class RedisLock extends DistributedReentrantLock {

    private static final long serialVersionUID = 1L;

    RedisLock() {
    }
}
