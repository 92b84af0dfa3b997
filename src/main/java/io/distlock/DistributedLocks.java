package io.distlock;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.function.UnaryOperator;

/**
 * Distributed locks for code that has no lock factory to hand: static methods that stand in for
 * {@code new ReentrantLock()} and {@code new ReentrantReadWriteLock()} in legacy code, backed by
 * default factories configured from system properties or environment variables. This is what
 * the migration recipe ({@code io.distlock:distlock-rewrite}) writes into field initializers:
 * <pre>{@code
 * // before: private final ReentrantLock lock = new ReentrantLock();
 * private final ReentrantLock lock = DistributedLocks.reentrantLock("com.acme.Counter.lock");
 * }</pre>
 *
 * <p><b>Configuration.</b> Each setting is read from the system property, else from the
 * environment variable, when the first lock is asked for:
 * <table class="striped">
 *   <caption>Settings of the default factories</caption>
 *   <thead>
 *     <tr><th scope="col">System property</th><th scope="col">Environment variable</th>
 *         <th scope="col">Meaning</th></tr>
 *   </thead>
 *   <tbody>
 *     <tr><th scope="row">{@value #REDIS_PROPERTY}</th><td>{@code DISTLOCK_REDIS}</td>
 *         <td>{@code host:port} of a Redis server (needs Jedis on the class path)</td></tr>
 *     <tr><th scope="row">{@value #REDIS_PASSWORD_PROPERTY}</th><td>{@code DISTLOCK_REDIS_PASSWORD}</td>
 *         <td>the Redis password, if the server asks for one</td></tr>
 *     <tr><th scope="row">{@value #ETCD_PROPERTY}</th><td>{@code DISTLOCK_ETCD}</td>
 *         <td>comma-separated etcd endpoints, such as {@code http://etcd:2379} (needs jetcd)</td></tr>
 *     <tr><th scope="row">{@value #KEY_PREFIX_PROPERTY}</th><td>{@code DISTLOCK_KEY_PREFIX}</td>
 *         <td>the key prefix; the back end's default if unset</td></tr>
 *     <tr><th scope="row">{@value #LEASE_TIME_PROPERTY}</th><td>{@code DISTLOCK_LEASE_TIME}</td>
 *         <td>the lease time, in milliseconds or as an ISO-8601 duration ({@code PT10S}); 30 s if
 *         unset</td></tr>
 *   </tbody>
 * </table>
 * Exactly one of the Redis and etcd settings must be given; with neither, or both, the first
 * call throws {@link IllegalStateException} naming the settings. Every JVM that must exclude
 * the others needs the same back end and key prefix.
 *
 * <p><b>Life cycle.</b> Two factories are created on first use, one for non-fair locks and one
 * for fair ones ({@link LockOptions#fair()} is per factory), each the first time a lock of its
 * kind is asked for; creation is thread-safe and happens once. A shutdown hook closes them when
 * the JVM exits: from its start every method of this class throws {@link IllegalStateException};
 * it waits up to 10 s for the threads that hold a lock to unlock (their leases are still renewed,
 * so no other JVM enters while they run, since shutdown hooks run beside them), then closes the
 * factories, which releases the leases still held (a lease would otherwise run out on the server
 * by itself) and makes the locks' methods throw {@link IllegalStateException}. Locks of one
 * name from the fair and the non-fair factory exclude each other, but a name should be used with
 * one fairness only (see {@link LockOptions#fair()}).
 *
 * <p>All methods are thread-safe. Code that can hold a factory (dependency injection, an
 * application object) should build one with {@code RedisLockFactory.builder()} or
 * {@code EtcdLockFactory.builder()} instead: it then chooses the client configuration, the
 * options and when the factory is closed.
 */
public final class DistributedLocks {

    /** The system property with the {@code host:port} of a Redis server. */
    public static final String REDIS_PROPERTY = "distlock.redis";
    /** The system property with the password of the Redis server. */
    public static final String REDIS_PASSWORD_PROPERTY = "distlock.redis.password";
    /** The system property with the comma-separated endpoints of an etcd cluster. */
    public static final String ETCD_PROPERTY = "distlock.etcd";
    /** The system property with the key prefix. */
    public static final String KEY_PREFIX_PROPERTY = "distlock.keyPrefix";
    /** The system property with the lease time (milliseconds, or an ISO-8601 duration). */
    public static final String LEASE_TIME_PROPERTY = "distlock.leaseTime";

    private static final Object GUARD = new Object();
    private static UnaryOperator<String> environment = System::getenv;
    private static DistributedLockFactory nonFair;
    private static DistributedLockFactory fair;
    private static Thread shutdownHook;
    /** How long the shutdown hook waits for holders to unlock before it closes the factories. */
    static final java.time.Duration SHUTDOWN_GRACE = java.time.Duration.ofSeconds(10);
    private static boolean shutDown;

    private DistributedLocks() {
    }

    /**
     * Returns the non-fair distributed lock of {@code name}, the replacement of
     * {@code new ReentrantLock()}: every JVM configured with the same back end and key prefix
     * gets a lock that excludes the others for the same name.
     *
     * @param name the lock name; any non-empty string of at most 4096 characters
     * @return the lock, a {@link java.util.concurrent.locks.ReentrantLock}
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is empty or too long
     * @throws IllegalStateException if no back end, or more than one, is configured, a setting
     *         is malformed, the back end's client is not on the class path, or the JVM is
     *         shutting down
     */
    public static DistributedReentrantLock reentrantLock(String name) {
        return reentrantLock(name, false);
    }

    /**
     * Returns the distributed lock of {@code name}, fair or not, the replacement of
     * {@code new ReentrantLock(fair)}. Otherwise as {@link #reentrantLock(String)}.
     *
     * @param name the lock name; any non-empty string of at most 4096 characters
     * @param fair {@code true} for a lock that serves the threads of every JVM in arrival order
     * @return the lock, a {@link java.util.concurrent.locks.ReentrantLock}
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is empty or too long
     * @throws IllegalStateException if no back end, or more than one, is configured, a setting
     *         is malformed, the back end's client is not on the class path, or the JVM is
     *         shutting down
     */
    public static DistributedReentrantLock reentrantLock(String name, boolean fair) {
        Objects.requireNonNull(name, "name");
        return (DistributedReentrantLock) factory(fair).getLock(name);
    }

    /**
     * Returns the non-fair distributed read/write lock of {@code name}, the replacement of
     * {@code new ReentrantReadWriteLock()}. Otherwise as {@link #reentrantLock(String)}.
     *
     * @param name the lock name; any non-empty string of at most 4096 characters
     * @return the read/write lock, a {@link java.util.concurrent.locks.ReentrantReadWriteLock}
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is empty or too long
     * @throws IllegalStateException if no back end, or more than one, is configured, a setting
     *         is malformed, the back end's client is not on the class path, or the JVM is
     *         shutting down
     */
    public static DistributedReentrantReadWriteLock readWriteLock(String name) {
        return readWriteLock(name, false);
    }

    /**
     * Returns the distributed read/write lock of {@code name}, fair or not, the replacement of
     * {@code new ReentrantReadWriteLock(fair)}. Otherwise as {@link #reentrantLock(String)}.
     *
     * @param name the lock name; any non-empty string of at most 4096 characters
     * @param fair {@code true} for a lock that serves the threads of every JVM in arrival order
     * @return the read/write lock, a {@link java.util.concurrent.locks.ReentrantReadWriteLock}
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is empty or too long
     * @throws IllegalStateException if no back end, or more than one, is configured, a setting
     *         is malformed, the back end's client is not on the class path, or the JVM is
     *         shutting down
     */
    public static DistributedReentrantReadWriteLock readWriteLock(String name, boolean fair) {
        Objects.requireNonNull(name, "name");
        return (DistributedReentrantReadWriteLock) factory(fair).getReadWriteLock(name);
    }

    /**
     * Returns the condition {@code conditionName} of a distributed lock, the same condition in
     * every JVM whatever order the conditions are created in and however many objects share the
     * lock: {@code DistributedLock.newCondition(String)} for a {@link Lock} variable. The
     * migration recipe writes it for a {@code lock.newCondition()} that initializes a field,
     * named by that field.
     *
     * @param lock a distributed lock (a lock of this library, or the write lock of one of its
     *        read/write locks)
     * @param conditionName the condition's name
     * @return the condition
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code lock} is not a distributed lock
     * @throws UnsupportedOperationException if the lock has no conditions (a read lock)
     */
    public static Condition condition(Lock lock, String conditionName) {
        Objects.requireNonNull(lock, "lock");
        Objects.requireNonNull(conditionName, "conditionName");
        if (!(lock instanceof DistributedLock)) {
            throw new IllegalArgumentException("not a distributed lock: " + lock
                    + "; a named condition needs a lock of this library");
        }
        return ((DistributedLock) lock).newCondition(conditionName);
    }

    private static DistributedLockFactory factory(boolean fairLocks) {
        synchronized (GUARD) {
            if (shutDown) {
                throw new IllegalStateException("DistributedLocks: the JVM is shutting down, its factories are closed");
            }
            DistributedLockFactory f = fairLocks ? fair : nonFair;
            if (f == null) {
                f = create(fairLocks);
                if (fairLocks) {
                    fair = f;
                } else {
                    nonFair = f;
                }
                if (shutdownHook == null) {
                    shutdownHook = new Thread(DistributedLocks::shutdown, "distlock-default-factories-shutdown");
                    Runtime.getRuntime().addShutdownHook(shutdownHook);
                }
            }
            return f;
        }
    }

    private static DistributedLockFactory create(boolean fairLocks) {
        String redis = setting(REDIS_PROPERTY, "DISTLOCK_REDIS");
        String etcd = setting(ETCD_PROPERTY, "DISTLOCK_ETCD");
        if (redis == null && etcd == null) {
            throw new IllegalStateException("DistributedLocks has no back end configured: set the system property "
                    + REDIS_PROPERTY + "=host:port (or the environment variable DISTLOCK_REDIS) for Redis, or "
                    + ETCD_PROPERTY + "=http://host:2379 (or DISTLOCK_ETCD) for etcd");
        }
        if (redis != null && etcd != null) {
            throw new IllegalStateException("DistributedLocks: both " + REDIS_PROPERTY + " (DISTLOCK_REDIS) and "
                    + ETCD_PROPERTY + " (DISTLOCK_ETCD) are set; set only one");
        }
        LockOptions.Builder options = LockOptions.builder().fair(fairLocks);
        String lease = setting(LEASE_TIME_PROPERTY, "DISTLOCK_LEASE_TIME");
        if (lease != null) {
            options.leaseTime(parseDuration(lease));
        }
        String prefix = setting(KEY_PREFIX_PROPERTY, "DISTLOCK_KEY_PREFIX");
        if (redis != null) {
            return RedisDefaults.create(redis, setting(REDIS_PASSWORD_PROPERTY, "DISTLOCK_REDIS_PASSWORD"),
                    prefix, options.build());
        }
        return EtcdDefaults.create(etcd, prefix, options.build());
    }

    private static Duration parseDuration(String text) {
        try {
            if (text.chars().allMatch(Character::isDigit)) {
                return Duration.ofMillis(Long.parseLong(text));
            }
            return Duration.parse(text);
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalStateException("DistributedLocks: " + LEASE_TIME_PROPERTY + " (DISTLOCK_LEASE_TIME) must be "
                    + "milliseconds or an ISO-8601 duration such as PT30S, was '" + text + "'", e);
        }
    }

    /** The system property {@code property}, else the environment variable; {@code null} if unset or blank. */
    private static String setting(String property, String variable) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = environment.apply(variable);
        }
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static void shutdown() {
        DistributedLockFactory a;
        DistributedLockFactory b;
        synchronized (GUARD) {
            shutDown = true;
            a = nonFair;
            b = fair;
            nonFair = null;
            fair = null;
        }
        // threads may still be inside their critical sections (shutdown hooks run beside them):
        // their leases are kept, and renewed, until they unlock or SHUTDOWN_GRACE has passed, so
        // that no other JVM enters while they run; then the factories close, giving back what is
        // left. The methods of this class refuse new work from now on (shutDown).
        long until = System.nanoTime() + SHUTDOWN_GRACE.toNanos();
        while (held(a) + held(b) > 0 && System.nanoTime() - until < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(10));
        }
        closeQuietly(a);
        closeQuietly(b);
    }

    private static int held(DistributedLockFactory factory) {
        return factory == null ? 0 : factory.heldLeaseCount();
    }

    private static void closeQuietly(DistributedLockFactory factory) {
        if (factory != null) {
            try {
                factory.close();
            } catch (RuntimeException e) {
                System.err.println("DistributedLocks: closing " + factory + " failed: " + e);
            }
        }
    }

    /**
     * For tests: closes the default factories, removes the shutdown hook and reads settings from
     * {@code env} instead of the process environment from then on.
     */
    static void reset(UnaryOperator<String> env) {
        shutdown();
        synchronized (GUARD) {
            environment = Objects.requireNonNull(env, "env");
            if (shutdownHook != null) {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
                shutdownHook = null;
            }
            shutDown = false;
        }
    }

    /** The Redis part, in a class of its own so that an etcd-only application never loads Jedis. */
    private static final class RedisDefaults {
        static DistributedLockFactory create(String address, String password, String prefix, LockOptions options) {
            int colon = address.lastIndexOf(':');
            String host = colon > 0 ? address.substring(0, colon) : "";
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (host.isEmpty() || port < 1 || port > 65535) {
                throw new IllegalStateException("DistributedLocks: " + REDIS_PROPERTY + " (DISTLOCK_REDIS) must be "
                        + "host:port, such as redis.internal:6379, was '" + address + "'");
            }
            io.distlock.redis.RedisLockFactory.Builder b = io.distlock.redis.RedisLockFactory.builder()
                    .hostAndPort(host, port).options(options);
            if (password != null) {
                b.clientConfig(redis.clients.jedis.DefaultJedisClientConfig.builder().password(password).build());
            }
            if (prefix != null) {
                b.keyPrefix(prefix);
            }
            return b.build();
        }
    }

    /** The etcd part, in a class of its own so that a Redis-only application never loads jetcd. */
    private static final class EtcdDefaults {
        static DistributedLockFactory create(String endpoints, String prefix, LockOptions options) {
            io.distlock.etcd.EtcdLockFactory.Builder b = io.distlock.etcd.EtcdLockFactory.builder()
                    .endpoints(endpoints.split("\\s*,\\s*")).options(options);
            if (prefix != null) {
                b.keyPrefix(prefix);
            }
            return b.build();
        }
    }
}
