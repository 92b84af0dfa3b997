package io.distlock.redis;

import io.distlock.LeaseListener;
import io.distlock.LockOptions;
import io.distlock.internal.LockEngine;
import java.time.Duration;
import java.util.Objects;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * Makes {@link RedisLock}s that share one Redis client, one key prefix, one set of
 * {@link LockOptions} and one background thread for lease renewal.
 *
 * <p>Build it over a Jedis client you already have (any {@link UnifiedJedis}: a pooled
 * {@link RedisClient}, a Sentinel or Cluster client), which the factory uses but does not close:
 * <pre>{@code
 * RedisLockFactory locks = RedisLockFactory.builder()
 *         .client(jedis)
 *         .keyPrefix("orders:lock:")
 *         .build();
 * Lock lock = locks.getLock("order-42");
 * }</pre>
 * or over an address and Jedis' own client configuration (password, ACL user, TLS, database,
 * timeouts), in which case the factory creates the client and closes it on {@link #close()}:
 * <pre>{@code
 * RedisLockFactory locks = RedisLockFactory.builder()
 *         .hostAndPort("redis.internal", 6379)
 *         .clientConfig(DefaultJedisClientConfig.builder().password(secret).ssl(true).build())
 *         .build();
 * }</pre>
 *
 * <p>Keys are {@code prefix + "{" + name + "}"} for the lease and the same with
 * {@code ":fence"} appended for the fencing counter; the braces make both one Redis Cluster hash
 * slot (braces and backslashes inside a name are escaped with a backslash, so that the hash tag
 * is always the whole name). Releases are announced on the channel {@code prefix + "{" + name + "}"}; each factory
 * subscribes to every channel under its prefix with one pattern subscription, started when a
 * thread first has to wait.
 *
 * <p>A factory is thread-safe and meant to live as long as the application. Closing it releases
 * the leases it still holds (their holders' {@code unlock()} then throws
 * {@link io.distlock.LeaseLostException}) and makes further acquisitions throw
 * {@link IllegalStateException}.
 */
public final class RedisLockFactory implements AutoCloseable {

    /** The key prefix used when none is given. */
    public static final String DEFAULT_KEY_PREFIX = "lock:";
    /** How long fencing counters are kept when no retention is given. */
    public static final Duration DEFAULT_FENCING_RETENTION = Duration.ofHours(1);

    private final LockEngine engine;
    private final String keyPrefix;

    private RedisLockFactory(Builder b, UnifiedJedis client, boolean ownsClient, String description) {
        this.keyPrefix = b.keyPrefix;
        long retention = Math.max(b.fencingRetention.toMillis(), b.options.leaseTime().toMillis());
        RedisBackend backend = new RedisBackend(client, ownsClient, b.keyPrefix, retention, description);
        this.engine = new LockEngine(backend, b.options, b.leaseListener, "RedisLockFactory");
    }

    /**
     * Returns a new builder.
     *
     * @return a builder with the default prefix, options and retention
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a lock for {@code name}. Every lock returned for the same name, by this factory or
     * any other with the same Redis and prefix, excludes the others. Lock objects of one name from
     * one factory share their local state: a thread holding one holds them all. No network call.
     *
     * @param name the lock name; any non-empty string of at most 4096 characters
     * @return the lock
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is empty or too long
     * @throws IllegalStateException if this factory is closed
     */
    public RedisLock getLock(String name) {
        return new RedisLock(engine.sync(name));
    }

    /**
     * Returns the options every lock of this factory uses.
     *
     * @return the options
     */
    public LockOptions options() {
        return engine.options();
    }

    /**
     * Returns the prefix of every key this factory writes.
     *
     * @return the key prefix
     */
    public String keyPrefix() {
        return keyPrefix;
    }

    /**
     * Returns the number of lock names this factory currently keeps local state for: those held,
     * waited for or still referenced by a lock object. Idle, unreferenced names are dropped.
     *
     * @return the size of the local registry
     */
    public long localRegistrySize() {
        return engine.registrySize();
    }

    /**
     * Releases every lease this factory still holds, reporting each as lost, stops renewal and
     * the release subscription, and closes the Redis client if the factory created it.
     * Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    /** A builder of {@link RedisLockFactory}; not thread-safe. */
    public static final class Builder {

        private UnifiedJedis client;
        private HostAndPort hostAndPort;
        private JedisClientConfig clientConfig;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private LockOptions options = LockOptions.defaults();
        private LeaseListener leaseListener;
        private Duration fencingRetention = DEFAULT_FENCING_RETENTION;

        private Builder() {
        }

        /**
         * Uses an existing Jedis client. The factory does not close it.
         *
         * @param client a standalone, pooled, Sentinel or Cluster client
         * @return this builder
         * @throws NullPointerException if {@code client} is {@code null}
         */
        public Builder client(UnifiedJedis client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * Connects to one Redis server, with a pooled client the factory creates and closes.
         *
         * @param host the host name or address
         * @param port the port, 1 to 65535
         * @return this builder
         * @throws NullPointerException if {@code host} is {@code null}
         * @throws IllegalArgumentException if {@code host} is empty or the port out of range
         */
        public Builder hostAndPort(String host, int port) {
            Objects.requireNonNull(host, "host");
            if (host.isEmpty()) {
                throw new IllegalArgumentException("host must not be empty");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be between 1 and 65535, was " + port);
            }
            this.hostAndPort = new HostAndPort(host, port);
            return this;
        }

        /**
         * Sets the Jedis configuration (password, user, TLS, database, timeouts) of the client
         * created for {@link #hostAndPort}. Defaults to Jedis' defaults.
         *
         * @param clientConfig the configuration
         * @return this builder
         * @throws NullPointerException if {@code clientConfig} is {@code null}
         */
        public Builder clientConfig(JedisClientConfig clientConfig) {
            this.clientConfig = Objects.requireNonNull(clientConfig, "clientConfig");
            return this;
        }

        /**
         * Sets the prefix of every key and channel (default {@value #DEFAULT_KEY_PREFIX}).
         * Factories that must exclude each other need the same prefix.
         *
         * @param keyPrefix the prefix; may be empty; may not contain braces, since the lock adds
         *        its own Redis Cluster hash tag after it
         * @return this builder
         * @throws NullPointerException if {@code keyPrefix} is {@code null}
         * @throws IllegalArgumentException if {@code keyPrefix} contains '{' or '}'
         */
        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
                throw new IllegalArgumentException("keyPrefix must not contain '{' or '}' (the lock key "
                        + "adds its own hash tag), was " + keyPrefix);
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        /**
         * Sets the lease, renewal, retry and hand-over options (default
         * {@link LockOptions#defaults()}).
         *
         * @param options the options
         * @return this builder
         * @throws NullPointerException if {@code options} is {@code null}
         */
        public Builder options(LockOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Sets a listener told whenever a lease held through this factory is lost.
         *
         * @param leaseListener the listener
         * @return this builder
         * @throws NullPointerException if {@code leaseListener} is {@code null}
         */
        public Builder leaseListener(LeaseListener leaseListener) {
            this.leaseListener = Objects.requireNonNull(leaseListener, "leaseListener");
            return this;
        }

        /**
         * Sets how long a name's fencing counter is kept after its last acquisition (default one
         * hour, never less than the lease time). Within the retention, tokens grow even if the
         * server's clock steps back; after it, they still grow with the server's clock.
         *
         * @param fencingRetention a positive duration of at most 30 days
         * @return this builder
         * @throws NullPointerException if {@code fencingRetention} is {@code null}
         * @throws IllegalArgumentException if it is not positive or longer than 30 days
         */
        public Builder fencingRetention(Duration fencingRetention) {
            Objects.requireNonNull(fencingRetention, "fencingRetention");
            if (fencingRetention.isNegative() || fencingRetention.isZero()
                    || fencingRetention.compareTo(Duration.ofDays(30)) > 0) {
                throw new IllegalArgumentException(
                        "fencingRetention must be positive and at most 30 days, was " + fencingRetention);
            }
            this.fencingRetention = fencingRetention;
            return this;
        }

        /**
         * Builds the factory.
         *
         * @return the factory
         * @throws IllegalStateException if neither or both of {@link #client} and
         *         {@link #hostAndPort} were given, or {@link #clientConfig} was given with a client
         */
        public RedisLockFactory build() {
            if ((client == null) == (hostAndPort == null)) {
                throw new IllegalStateException(
                        "exactly one of client(...) or hostAndPort(...) must be set");
            }
            if (client != null) {
                if (clientConfig != null) {
                    throw new IllegalStateException(
                            "clientConfig(...) applies to hostAndPort(...), not to a supplied client");
                }
                return new RedisLockFactory(this, client, false,
                        "Redis via " + client.getClass().getSimpleName());
            }
            JedisClientConfig config = clientConfig != null
                    ? clientConfig : DefaultJedisClientConfig.builder().build();
            RedisClient created = RedisClient.builder()
                    .hostAndPort(hostAndPort)
                    .clientConfig(config)
                    .build();
            return new RedisLockFactory(this, created, true, "Redis at " + hostAndPort);
        }
    }
}
