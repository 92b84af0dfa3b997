package io.distlock.service;

import io.distlock.AutoRenewal;
import io.distlock.DistributedLock;
import io.distlock.DistributedLockFactory;
import io.distlock.LeaseLostException;
import io.distlock.LockInfo;
import io.distlock.LockOptions;
import io.distlock.LockType;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Runs code under distributed locks of one back end, and answers questions about them.
 *
 * <pre>{@code
 * LockService locks = LockService.of(RedisLockFactory.builder().hostAndPort("127.0.0.1", 6379).build());
 * Invoice invoice = locks.withLock("invoice-42", () -> billing.issue(42));   // waits, always unlocks
 * LockResult<Report> r = locks.tryWithLock("nightly-report", reports::build); // never waits
 * if (!r.acquired()) { log.info("another node is building it"); }
 * }</pre>
 *
 * <p>Every method that runs a body releases the lock when the body ends, normally or by an
 * exception. If the lease was lost while the body ran, the release throws
 * {@link LeaseLostException}, because the body may have overlapped another holder; if the server
 * cannot be reached it throws {@link io.distlock.LockBackendException}. Either is attached as
 * suppressed to the body's own exception when there is one, never in its place.
 *
 * <p>Leases are renewed automatically while a body runs: that is the factory's watchdog, on by
 * default ({@link LockOptions#watchdog()}). With the watchdog off, a body can keep its fixed lease
 * alive with {@link #autoRenew} (stopped by closing the handle) or {@link #renew}.
 *
 * <p>Thread-safe. Closing the service closes its factory.
 */
public final class LockService implements AutoCloseable {

    private final DistributedLockFactory factory;

    private LockService(DistributedLockFactory factory) {
        this.factory = factory;
    }

    /**
     * A service over a lock factory; the service closes the factory on {@link #close()}.
     *
     * @param factory a {@code RedisLockFactory}, an {@code EtcdLockFactory}, or any other
     * @return the service
     * @throws NullPointerException if {@code factory} is {@code null}
     */
    public static LockService of(DistributedLockFactory factory) {
        return new LockService(Objects.requireNonNull(factory, "factory"));
    }

    /**
     * The lock of a name, for direct use.
     *
     * @param name the lock name
     * @return the lock
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is empty or too long
     * @throws IllegalStateException if the service is closed
     */
    public DistributedLock lock(String name) {
        return factory.getLock(name);
    }

    /**
     * The options every lock of this service uses.
     *
     * @return the options
     */
    public LockOptions options() {
        return factory.options();
    }

    /**
     * Waits for the lock (as {@link DistributedLock#lock()}), runs {@code body} and releases the
     * lock, whatever the body does.
     *
     * @param name the lock name
     * @param body what to run under the lock
     * @param <T> the body's result type
     * @return what the body returned
     * @throws Exception what the body threw
     * @throws LeaseLostException if the lease was lost while the body ran (the body's result is
     *         then discarded)
     * @throws io.distlock.LockBackendException if the back end could not be reached
     */
    public <T> T withLock(String name, Callable<T> body) throws Exception {
        Objects.requireNonNull(body, "body");
        DistributedLock lock = lock(name);
        lock.lock();
        return runAndUnlock(lock, body);
    }

    /**
     * As {@link #withLock(String, Callable)}, with the lock of the given type: the write lock
     * ({@link LockType#EXCLUSIVE}) or the read lock ({@link LockType#SHARED}) of the name's
     * read/write lock, so that shared bodies run together and exclusive ones alone.
     *
     * @param name the lock name
     * @param type exclusive or shared
     * @param body what to run under the lock
     * @param <T> the body's result type
     * @return what the body returned
     * @throws Exception what the body threw
     * @throws LeaseLostException if the lease was lost while the body ran
     */
    public <T> T withLock(String name, LockType type, Callable<T> body) throws Exception {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(body, "body");
        DistributedLock lock = type.of(factory, name);
        lock.lock();
        return runAndUnlock(lock, body);
    }

    /**
     * As {@link #tryWithLock(String, Callable)}, with the lock of the given type (see
     * {@link #withLock(String, LockType, Callable)}).
     *
     * @param name the lock name
     * @param type exclusive or shared
     * @param body what to run under the lock
     * @param <T> the body's result type
     * @return whether the body ran, and what it returned
     * @throws Exception what the body threw
     */
    public <T> LockResult<T> tryWithLock(String name, LockType type, Callable<T> body) throws Exception {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(body, "body");
        DistributedLock lock = type.of(factory, name);
        if (!lock.tryLock()) {
            return LockResult.notAcquired();
        }
        return LockResult.of(runAndUnlock(lock, body));
    }

    /**
     * Waits for the lock, runs {@code body} and releases the lock, whatever the body does.
     *
     * @param name the lock name
     * @param body what to run under the lock
     * @throws LeaseLostException if the lease was lost while the body ran
     * @throws io.distlock.LockBackendException if the back end could not be reached
     */
    public void withLock(String name, Runnable body) {
        Objects.requireNonNull(body, "body");
        DistributedLock lock = lock(name);
        lock.lock();
        runAndUnlock(lock, body);
    }

    /**
     * Runs {@code body} under the lock if the lock is free now (as {@link DistributedLock#tryLock()}),
     * and releases it afterwards.
     *
     * @param name the lock name
     * @param body what to run under the lock
     * @param <T> the body's result type
     * @return whether the body ran, and what it returned
     * @throws Exception what the body threw
     * @throws LeaseLostException if the lease was lost while the body ran
     * @throws io.distlock.LockBackendException if the back end could not be reached
     */
    public <T> LockResult<T> tryWithLock(String name, Callable<T> body) throws Exception {
        Objects.requireNonNull(body, "body");
        DistributedLock lock = lock(name);
        if (!lock.tryLock()) {
            return LockResult.notAcquired();
        }
        return LockResult.of(runAndUnlock(lock, body));
    }

    /**
     * Runs {@code body} under the lock if the lock can be acquired within {@code wait} (as
     * {@link DistributedLock#tryLock(long, TimeUnit)}), and releases it afterwards.
     *
     * @param name the lock name
     * @param wait how long to wait for the lock
     * @param body what to run under the lock
     * @param <T> the body's result type
     * @return whether the body ran, and what it returned
     * @throws InterruptedException if interrupted while waiting
     * @throws Exception what the body threw
     * @throws LeaseLostException if the lease was lost while the body ran
     * @throws io.distlock.LockBackendException if the back end could not be reached
     */
    public <T> LockResult<T> tryWithLock(String name, Duration wait, Callable<T> body) throws Exception {
        Objects.requireNonNull(wait, "wait");
        Objects.requireNonNull(body, "body");
        DistributedLock lock = lock(name);
        if (!lock.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) {
            return LockResult.notAcquired();
        }
        return LockResult.of(runAndUnlock(lock, body));
    }

    /**
     * Runs {@code body} under the lock if the lock is free now, and releases it afterwards.
     *
     * @param name the lock name
     * @param body what to run under the lock
     * @return {@code true} if the body ran
     * @throws LeaseLostException if the lease was lost while the body ran
     * @throws io.distlock.LockBackendException if the back end could not be reached
     */
    public boolean tryWithLock(String name, Runnable body) {
        Objects.requireNonNull(body, "body");
        DistributedLock lock = lock(name);
        if (!lock.tryLock()) {
            return false;
        }
        runAndUnlock(lock, body);
        return true;
    }

    /**
     * Extends the lease of a lock the current thread holds (see {@link DistributedLock#renew}).
     *
     * @param name the lock name
     * @param leaseTime the new lease
     * @throws IllegalMonitorStateException if the current thread does not hold the lock
     * @throws LeaseLostException if the lease had been lost
     */
    public void renew(String name, Duration leaseTime) {
        lock(name).renew(leaseTime);
    }

    /**
     * Renews the lease of a lock the current thread holds every {@code interval} until the
     * returned handle is closed, the lock is released or the lease is lost (see
     * {@link DistributedLock#autoRenew}).
     *
     * @param name the lock name
     * @param interval the time between renewals
     * @return the handle that stops the renewals
     * @throws IllegalMonitorStateException if the current thread does not hold the lock
     */
    public AutoRenewal autoRenew(String name, Duration interval) {
        return lock(name).autoRenew(interval);
    }

    /**
     * Whether any JVM holds the lock, by asking the server.
     *
     * @param name the lock name
     * @return {@code true} if it is held
     */
    public boolean isLocked(String name) {
        return lock(name).isLocked();
    }

    /**
     * The lock's state and the options in force (see {@link DistributedLock#info()}).
     *
     * @param name the lock name
     * @return a snapshot
     */
    public LockInfo info(String name) {
        return lock(name).info();
    }

    /** Closes the factory: see {@link DistributedLockFactory#close()}. Idempotent. */
    @Override
    public void close() {
        factory.close();
    }

    private static <T> T runAndUnlock(DistributedLock lock, Callable<T> body) throws Exception {
        T result;
        try {
            result = body.call();
        } catch (Throwable t) {
            unlockAfterFailure(lock, t);
            throw t;
        }
        lock.unlock();
        return result;
    }

    private static void runAndUnlock(DistributedLock lock, Runnable body) {
        try {
            body.run();
        } catch (Throwable t) {
            unlockAfterFailure(lock, t);
            throw t;
        }
        lock.unlock();
    }

    private static void unlockAfterFailure(DistributedLock lock, Throwable bodyFailure) {
        try {
            lock.unlock();
        } catch (RuntimeException e) {
            bodyFailure.addSuppressed(e);
        }
    }
}
