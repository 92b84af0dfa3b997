/**
 * The API: {@link io.distlock.DistributedLock}, a {@link java.util.concurrent.locks.Lock} whose
 * ownership is shared by every JVM that talks to the same Redis or etcd, implemented as a
 * {@link java.util.concurrent.locks.ReentrantLock} ({@link io.distlock.DistributedReentrantLock}),
 * and its read/write counterpart ({@link io.distlock.DistributedReadWriteLock},
 * {@link io.distlock.DistributedReentrantReadWriteLock}); the factories that make them
 * ({@link io.distlock.DistributedLockFactory}, {@link io.distlock.LockFactoryBuilder}); their
 * options ({@link io.distlock.LockOptions}); what a lock tells about itself
 * ({@link io.distlock.LockInfo}); the handle of a renewal on a timer
 * ({@link io.distlock.AutoRenewal}); the listeners of lost leases
 * and of lock events ({@link io.distlock.LeaseListener}, {@link io.distlock.LockObserver}); and
 * the exceptions ({@link io.distlock.LeaseLostException},
 * {@link io.distlock.LockBackendException}).
 *
 * <p>The back ends are in {@code io.distlock.redis} and {@code io.distlock.etcd}; the service
 * layer in {@code io.distlock.service}.
 */
package io.distlock;
