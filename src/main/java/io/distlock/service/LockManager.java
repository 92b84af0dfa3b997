package io.distlock.service;

import io.distlock.LockInfo;
import java.time.Duration;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Several {@link LockService}s under names of the application's choosing (for example
 * {@code "redis"} and {@code "etcd"}), with the services' calls routed by name.
 *
 * <pre>{@code
 * LockManager locks = new LockManager()
 *         .register("redis", LockService.of(redisFactory))
 *         .register("etcd", LockService.of(etcdFactory));
 * locks.withLock("etcd", "ledger", ledger::close);
 * }</pre>
 *
 * <p>Thread-safe. Closing the manager closes every registered service.
 */
public final class LockManager implements AutoCloseable {

    private final ConcurrentHashMap<String, LockService> services = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Creates an empty manager. */
    public LockManager() {
    }

    /**
     * Registers a service under a name.
     *
     * @param name the service's name
     * @param service the service; closed when the manager is closed
     * @return this manager
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code name} is empty or already registered
     * @throws IllegalStateException if the manager is closed
     */
    public LockManager register(String name, LockService service) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(service, "service");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("name must not be empty");
        }
        if (closed) {
            throw new IllegalStateException("LockManager is closed");
        }
        if (services.putIfAbsent(name, service) != null) {
            throw new IllegalArgumentException("a lock service named '" + name + "' is already registered");
        }
        return this;
    }

    /**
     * The names of the registered services, sorted.
     *
     * @return the names
     */
    public Set<String> names() {
        return Collections.unmodifiableSet(new TreeSet<>(services.keySet()));
    }

    /**
     * The service registered under {@code name}.
     *
     * @param name the service's name
     * @return the service
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if no service has that name; the message lists the known ones
     * @throws IllegalStateException if the manager is closed
     */
    public LockService service(String name) {
        Objects.requireNonNull(name, "name");
        if (closed) {
            throw new IllegalStateException("LockManager is closed");
        }
        LockService s = services.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no lock service named '" + name + "'; known: " + names());
        }
        return s;
    }

    /**
     * {@link LockService#withLock(String, Callable)} on the named service.
     *
     * @param service the service's name
     * @param lock the lock name
     * @param body what to run under the lock
     * @param <T> the body's result type
     * @return what the body returned
     * @throws Exception what the body threw
     */
    public <T> T withLock(String service, String lock, Callable<T> body) throws Exception {
        return service(service).withLock(lock, body);
    }

    /**
     * {@link LockService#withLock(String, Runnable)} on the named service.
     *
     * @param service the service's name
     * @param lock the lock name
     * @param body what to run under the lock
     */
    public void withLock(String service, String lock, Runnable body) {
        service(service).withLock(lock, body);
    }

    /**
     * {@link LockService#tryWithLock(String, Callable)} on the named service.
     *
     * @param service the service's name
     * @param lock the lock name
     * @param body what to run under the lock
     * @param <T> the body's result type
     * @return whether the body ran, and what it returned
     * @throws Exception what the body threw
     */
    public <T> LockResult<T> tryWithLock(String service, String lock, Callable<T> body) throws Exception {
        return service(service).tryWithLock(lock, body);
    }

    /**
     * {@link LockService#renew} on the named service.
     *
     * @param service the service's name
     * @param lock the lock name
     * @param leaseTime the new lease
     */
    public void renew(String service, String lock, Duration leaseTime) {
        service(service).renew(lock, leaseTime);
    }

    /**
     * {@link LockService#isLocked} on the named service.
     *
     * @param service the service's name
     * @param lock the lock name
     * @return {@code true} if the lock is held
     */
    public boolean isLocked(String service, String lock) {
        return service(service).isLocked(lock);
    }

    /**
     * {@link LockService#info} on the named service.
     *
     * @param service the service's name
     * @param lock the lock name
     * @return a snapshot
     */
    public LockInfo info(String service, String lock) {
        return service(service).info(lock);
    }

    /**
     * Closes every registered service, even if some fail to close; the first failure is thrown
     * with the others suppressed. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (String name : new TreeSet<>(services.keySet())) {
            try {
                services.get(name).close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing lock service '" + name + "' failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
