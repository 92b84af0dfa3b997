package io.distlock.etcd;

import io.distlock.LeaseListener;
import io.distlock.LockOptions;
import io.distlock.internal.LockEngine;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.time.Duration;
import java.util.Objects;

/**
 * Makes {@link EtcdLock}s that share one jetcd client, one key prefix, one set of
 * {@link LockOptions}, one background thread for lease renewal and, with
 * {@link EtcdFlavour#TRANSACTION}, one session lease.
 *
 * <p>Build it over a jetcd client you already have, which the factory uses but does not close:
 * <pre>{@code
 * EtcdLockFactory locks = EtcdLockFactory.builder().client(etcd).keyPrefix("orders/lock/").build();
 * Lock lock = locks.getLock("order-42");
 * }</pre>
 * or over a jetcd {@link ClientBuilder} carrying endpoints, authentication, TLS and timeouts, in
 * which case the factory builds the client and closes it on {@link #close()}:
 * <pre>{@code
 * EtcdLockFactory locks = EtcdLockFactory.builder()
 *         .clientBuilder(Client.builder().endpoints("http://10.0.0.1:2379", "http://10.0.0.2:2379")
 *                 .user(user).password(password))
 *         .flavour(EtcdFlavour.LOCK_SERVICE)
 *         .build();
 * }</pre>
 *
 * <p>Lock {@code name} lives at key {@code prefix + name} ({@link EtcdFlavour#TRANSACTION}) or
 * under {@code prefix + name + "/"} ({@link EtcdFlavour#LOCK_SERVICE}); factories of different
 * flavours must not share a prefix. Lease times are rounded up to whole seconds for etcd, and
 * etcd raises very short ones to its own minimum (about 2 s with default settings).
 *
 * <p>A factory is thread-safe and meant to live as long as the application. Closing it releases
 * the leases it still holds (their holders' {@code unlock()} then throws
 * {@link io.distlock.LeaseLostException}) and makes further acquisitions throw
 * {@link IllegalStateException}.
 */
public final class EtcdLockFactory implements AutoCloseable {

    /** The key prefix used when none is given. */
    public static final String DEFAULT_KEY_PREFIX = "lock/";
    /** How long one call to etcd may take when no timeout is given. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final LockEngine engine;
    private final String keyPrefix;
    private final EtcdFlavour flavour;

    private EtcdLockFactory(Builder b, Client client, boolean ownsClient, String where) {
        this.keyPrefix = b.keyPrefix;
        this.flavour = b.flavour;
        long leaseMillis = b.options.leaseTime().toMillis();
        boolean watchdog = b.options.watchdog();
        AbstractEtcdBackend backend = b.flavour == EtcdFlavour.TRANSACTION
                ? new EtcdTxnBackend(client, ownsClient, b.keyPrefix, b.requestTimeout, leaseMillis, watchdog, where)
                : new EtcdLockServiceBackend(client, ownsClient, b.keyPrefix, b.requestTimeout, leaseMillis, watchdog, where);
        this.engine = new LockEngine(backend, b.options, b.leaseListener, "EtcdLockFactory");
    }

    /**
     * Returns a new builder.
     *
     * @return a builder with the default prefix, flavour, options and timeout
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a lock for {@code name}. Every lock returned for the same name, by this factory or
     * any other with the same cluster, prefix and flavour, excludes the others. Lock objects of one
     * name from one factory share their local state. No network call.
     *
     * @param name the lock name; any non-empty string of at most 4096 characters
     * @return the lock
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is empty or too long
     * @throws IllegalStateException if this factory is closed
     */
    public EtcdLock getLock(String name) {
        return new EtcdLock(engine.sync(name));
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
     * Returns the etcd mechanism this factory's locks use.
     *
     * @return the flavour
     */
    public EtcdFlavour flavour() {
        return flavour;
    }

    /**
     * Returns the number of lock names this factory currently keeps local state for.
     *
     * @return the size of the local registry
     */
    public long localRegistrySize() {
        return engine.registrySize();
    }

    /**
     * Releases every lease this factory still holds, reporting each as lost, revokes its session
     * lease, and closes the jetcd client if the factory built it. Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    /** A builder of {@link EtcdLockFactory}; not thread-safe. */
    public static final class Builder {

        private Client client;
        private ClientBuilder clientBuilder;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private EtcdFlavour flavour = EtcdFlavour.TRANSACTION;
        private LockOptions options = LockOptions.defaults();
        private LeaseListener leaseListener;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;

        private Builder() {
        }

        /**
         * Uses an existing jetcd client. The factory does not close it.
         *
         * @param client the client
         * @return this builder
         * @throws NullPointerException if {@code client} is {@code null}
         */
        public Builder client(Client client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * Builds a jetcd client from this builder (endpoints, authentication, TLS, timeouts); the
         * factory closes it.
         *
         * @param clientBuilder the jetcd client builder
         * @return this builder
         * @throws NullPointerException if {@code clientBuilder} is {@code null}
         */
        public Builder clientBuilder(ClientBuilder clientBuilder) {
            this.clientBuilder = Objects.requireNonNull(clientBuilder, "clientBuilder");
            return this;
        }

        /**
         * Shorthand for {@code clientBuilder(Client.builder().endpoints(endpoints))}.
         *
         * @param endpoints client URLs such as {@code http://127.0.0.1:2379}
         * @return this builder
         * @throws NullPointerException if {@code endpoints} is {@code null}
         * @throws IllegalArgumentException if no endpoint is given
         */
        public Builder endpoints(String... endpoints) {
            Objects.requireNonNull(endpoints, "endpoints");
            if (endpoints.length == 0) {
                throw new IllegalArgumentException("endpoints must name at least one etcd member");
            }
            return clientBuilder(Client.builder().endpoints(endpoints));
        }

        /**
         * Sets the prefix of every key (default {@value #DEFAULT_KEY_PREFIX}). Factories that must
         * exclude each other need the same prefix and flavour.
         *
         * @param keyPrefix the prefix; may be empty
         * @return this builder
         * @throws NullPointerException if {@code keyPrefix} is {@code null}
         */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
            return this;
        }

        /**
         * Chooses the etcd mechanism (default {@link EtcdFlavour#TRANSACTION}).
         *
         * @param flavour the flavour
         * @return this builder
         * @throws NullPointerException if {@code flavour} is {@code null}
         */
        public Builder flavour(EtcdFlavour flavour) {
            this.flavour = Objects.requireNonNull(flavour, "flavour");
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
         * Sets how long one call to etcd may take before it counts as failed (default 5 s).
         *
         * @param requestTimeout between 100 ms and 10 minutes
         * @return this builder
         * @throws NullPointerException if {@code requestTimeout} is {@code null}
         * @throws IllegalArgumentException if it is out of range
         */
        public Builder requestTimeout(Duration requestTimeout) {
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            if (requestTimeout.compareTo(Duration.ofMillis(100)) < 0
                    || requestTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException(
                        "requestTimeout must be between 100 ms and 10 minutes, was " + requestTimeout);
            }
            this.requestTimeout = requestTimeout;
            return this;
        }

        /**
         * Builds the factory.
         *
         * @return the factory
         * @throws IllegalStateException if neither or both of {@link #client} and
         *         {@link #clientBuilder} (or {@link #endpoints}) were given
         */
        public EtcdLockFactory build() {
            if ((client == null) == (clientBuilder == null)) {
                throw new IllegalStateException(
                        "exactly one of client(...) or clientBuilder(...)/endpoints(...) must be set");
            }
            if (client != null) {
                return new EtcdLockFactory(this, client, false, "etcd via a supplied client");
            }
            String where = "etcd at " + clientBuilder.target();
            return new EtcdLockFactory(this, clientBuilder.build(), true, where);
        }
    }
}
