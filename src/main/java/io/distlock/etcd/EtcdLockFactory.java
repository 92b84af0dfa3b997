package io.distlock.etcd;

import io.distlock.AbstractDistributedLockFactory;
import io.distlock.LockFactoryBuilder;
import io.distlock.internal.Dependencies;
import io.distlock.internal.FactoryBinding;
import io.distlock.internal.LockEngine;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.time.Duration;
import java.util.Objects;

/**
 * Makes {@link EtcdLock}s that share one jetcd client, one key prefix, one set of
 * {@link io.distlock.LockOptions}, one background thread for lease renewal and, with
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
 * <p>Lock {@code name} lives at key {@code prefix + "x/" + name.length() + ":" + name}
 * ({@link EtcdFlavour#TRANSACTION}) or under {@code prefix + "q/" + name.length() + ":" + name + "/"}
 * ({@link EtcdFlavour#LOCK_SERVICE}); read/write lock {@code name} under
 * {@code prefix + "rw/" + name.length() + ":" + name + "/"}. The length makes names prefix-free:
 * no lock's keys lie in another lock's key range, whatever the names. After an acquisition whose
 * answer was lost, {@code prefix + "g/" + token} records its token, on the factory's session, so
 * that a request of it that reaches etcd late writes nothing. Locks of the two flavours
 * do not exclude each other, so factories that must exclude each other use the same flavour.
 * Lease times are rounded up to whole seconds, and etcd raises very short ones to its own
 * minimum (about 2 s with default settings).
 *
 * <p><b>Access control.</b> With authentication on, the user's role needs read and write
 * permission on the key range of the prefix ({@code etcdctl role grant-permission locker
 * --prefix=true readwrite locks/}); leases need no permission of their own. Bad credentials and
 * a missing permission are permanent errors: they fail at once, never retried, with a message
 * that says what to fix; {@link Builder#verifyOnBuild(boolean) verifyOnBuild(true)} makes
 * {@code build()} check them (off by default: {@code build()} then makes no network call, and they
 * show at the first lock).
 *
 * <p><b>TLS.</b> Give the client builder an SSL context
 * ({@code Client.builder().endpoints("https://...").sslContext(b -> b.trustManager(caFile))}).
 * A handshake refused over the server's certificate (not trusted, or not naming the host) is a
 * permanent error too, reported with what to fix, <em>when jetcd reports it</em>: with
 * {@code waitForReady(false)} on the client builder it does so on the first call; with jetcd's
 * default ({@code true}) the client keeps reconnecting silently and each call ends by its
 * request timeout, so the failure shows only after the retries, as a timeout.
 *
 * <p><b>Failure timings.</b> Each attempt of a call waits at most the
 * {@linkplain Builder#requestTimeout request timeout} (a timed acquisition: at most the time it
 * has left), and a failed attempt is retried as the {@link io.distlock.LockOptions} say (by default
 * 8 retries with about 4.5 s of pauses in all). With jetcd's default {@code waitForReady(true)} a
 * call waits for a connection; that is what rides out a restart of a few seconds (gRPC
 * reconnects with a backoff of 1 s growing 1.6 times, which the pauses alone would not cover).
 * But an attempt on an endpoint that refuses connections (nothing listening on the port) fails
 * at once: while the client has no working connection, a call is sent without waiting for one
 * when a TCP connect to every endpoint is refused right then, so it fails with the refusal, and,
 * having reached no server, leaves nothing to clean up. So on a server that is not running,
 * {@code lock()} throws after the pauses (about 4.5 s; measured 4.1 s) and {@code tryLock()} and
 * {@link Builder#verifyOnBuild(boolean)} at once (measured under 50 ms), naming the endpoints as
 * given and the refusal. A server that accepts connections but does not answer (frozen,
 * partitioned) still costs every attempt its whole request timeout: a blocking call throws after
 * at most {@code (retryCount + 1) × requestTimeout + pauses}, about 50 s with the defaults; lower
 * the request timeout or the retry count for a shorter worst case, and {@code tryLock()} waits
 * one request timeout (two for the first call of a factory, which grants its session lease
 * first). A timed {@code tryLock(time, unit)} returns by its deadline. The refusal check needs
 * the endpoints: it applies to {@link Builder#endpoints} and to a client builder given
 * endpoints, not to a client given ready-made. {@link Builder#endpoints} also turns jetcd's own
 * retries off ({@code retryMaxAttempts(0)}), so that the options' retries are the only ones; a
 * client builder of your own keeps jetcd's (by default a refused call is then retried by jetcd
 * for about 1.5 s before the factory counts one failed attempt).
 *
 * <p><b>Fencing tokens</b> derive from etcd revisions: if a cluster is replaced by a new one
 * without its data, revisions (and so tokens) start again from 1, and a resource that stores
 * tokens must be reset with it.
 *
 * <p>A factory is thread-safe and meant to live as long as the application; see
 * {@link io.distlock.DistributedLockFactory} for what {@link #getLock} and {@link #close()}
 * promise. Closing also revokes the factory's session lease.
 */
public final class EtcdLockFactory extends AbstractDistributedLockFactory<EtcdLock, EtcdReadWriteLock> {

    /** The key prefix used when none is given. */
    public static final String DEFAULT_KEY_PREFIX = "lock/";
    /** How long one call to etcd may take when no timeout is given. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final EtcdFlavour flavour;
    /** The back ends, for the tests of this package. */
    final AbstractEtcdBackend backend;
    final EtcdReadWriteBackend readWriteBackend;

    private EtcdLockFactory(EtcdFlavour flavour, AbstractEtcdBackend backend, EtcdReadWriteBackend readWriteBackend) {
        this.flavour = flavour;
        this.backend = backend;
        this.readWriteBackend = readWriteBackend;
    }

    /**
     * Returns a new builder.
     *
     * @return a builder with the default prefix, flavour, options and timeout
     * @throws IllegalStateException if jetcd-core ({@code io.etcd:jetcd-core}), an optional
     *         dependency, is not on the class path
     */
    public static Builder builder() {
        Dependencies.require("io.etcd.jetcd.Client", "io.etcd:jetcd-core", "EtcdLockFactory");
        return new Builder();
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
     * A builder of {@link EtcdLockFactory}; not thread-safe. Besides the etcd settings it takes
     * the {@linkplain #keyPrefix key prefix} (default {@value #DEFAULT_KEY_PREFIX}), the
     * {@linkplain #options options} and a {@linkplain #leaseListener lease listener}.
     */
    public static final class Builder extends LockFactoryBuilder<Builder> {

        private Client client;
        private ClientBuilder clientBuilder;
        private EtcdFlavour flavour = EtcdFlavour.TRANSACTION;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        /** The endpoints as {@link #endpoints} was given them, for messages; {@code null} otherwise. */
        private String endpointsGiven;

        private Builder() {
            super(DEFAULT_KEY_PREFIX);
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
         * factory closes it. See <i>Failure timings</i> above for how its settings and the
         * {@link io.distlock.LockOptions} retries combine.
         *
         * @param clientBuilder the jetcd client builder
         * @return this builder
         * @throws NullPointerException if {@code clientBuilder} is {@code null}
         */
        public Builder clientBuilder(ClientBuilder clientBuilder) {
            this.clientBuilder = Objects.requireNonNull(clientBuilder, "clientBuilder");
            this.endpointsGiven = null;
            return this;
        }

        /**
         * Shorthand for {@code clientBuilder(Client.builder().endpoints(endpoints))}, with
         * gRPC keep-alive pings every 5 s (the shortest interval an etcd server accepts by
         * default) that fail a connection unanswered for 3 s: a member that stops answering
         * without closing its connections (frozen, or cut off by a partition) is then skipped
         * within about 8 s, where without pings calls routed to it would time out one after
         * another. Give a client builder of your own to choose otherwise.
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
            clientBuilder(Client.builder().endpoints(endpoints)
                    // the factory's retries (LockOptions) are the only ones: jetcd's own would add
                    // their pauses to every attempt the engine counts
                    .retryMaxAttempts(0)
                    .keepaliveTime(Duration.ofSeconds(5))
                    .keepaliveTimeout(Duration.ofSeconds(3))
                    .keepaliveWithoutCalls(true));
            this.endpointsGiven = String.join(", ", endpoints);
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
         * Sets how long one call to etcd may take before it counts as failed (default 5 s). A
         * failed call is retried as the options say, so a blocking call on a server that does not
         * answer throws after at most {@code (retryCount + 1)} request timeouts plus the pauses
         * between retries (see <i>Failure timings</i> above); {@code tryLock()} waits one.
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
                return create(client, false, "etcd via a supplied client");
            }
            return create(withRefusalProbe(clientBuilder).build(), true, "etcd at " + (endpointsGiven != null
                    ? endpointsGiven : readableTarget(clientBuilder.target())));
        }

        /**
         * A copy of {@code builder} whose calls fail at once while every endpoint refuses
         * connections (see RefusedConnections); the builder itself if its target cannot be probed.
         */
        private static ClientBuilder withRefusalProbe(ClientBuilder builder) {
            RefusedConnections probe = RefusedConnections.forTarget(builder.target());
            if (probe == null) {
                return builder;
            }
            java.util.List<io.grpc.ClientInterceptor> interceptors = new java.util.ArrayList<>();
            if (builder.interceptors() != null) {
                interceptors.addAll(builder.interceptors());
            }
            interceptors.add(probe);
            return builder.copy().interceptors(interceptors);
        }

        /** jetcd's target ({@code ip:///host:port,host:port} for endpoints) as a list of addresses. */
        private static String readableTarget(String target) {
            return target != null && target.startsWith("ip:///")
                    ? target.substring("ip:///".length()).replace(",", ", ") : String.valueOf(target);
        }

        private EtcdLockFactory create(Client etcd, boolean ownsClient, String where) {
            // jetcd makes its gRPC channel and each service's stub on first use, under its locks
            // and loading classes: done here, on the building thread, and not by the first lock()
            // (on a virtual thread, that pinned its carrier); nothing is sent yet
            etcd.getKVClient();
            etcd.getLeaseClient();
            etcd.getWatchClient();
            if (flavour != EtcdFlavour.TRANSACTION) {
                etcd.getLockClient();
            }
            long leaseMillis = options().leaseTime().toMillis();
            boolean watchdog = options().watchdog();
            long ttlSeconds = Math.max(1L, (leaseMillis + 999) / 1000);
            EtcdSessions sessions = new EtcdSessions(etcd, ttlSeconds, requestTimeout, where);
            AbstractEtcdBackend backend = flavour == EtcdFlavour.TRANSACTION
                    ? new EtcdTxnBackend(etcd, ownsClient, keyPrefix(), requestTimeout, watchdog, where, sessions,
                            options().fair())
                    : new EtcdLockServiceBackend(etcd, ownsClient, keyPrefix(), requestTimeout, watchdog, where,
                            sessions);
            EtcdReadWriteBackend rw = new EtcdReadWriteBackend(etcd, keyPrefix(), requestTimeout, watchdog, where,
                    sessions);
            backend.readWrite = rw;
            LockEngine engine = new LockEngine(backend, rw, options(), leaseListener(), "EtcdLockFactory");
            return FactoryBinding.make(engine, keyPrefix(), EtcdLock::new, EtcdReadWriteLock::new,
                    verifyOnBuild() ? where : null, () -> new EtcdLockFactory(flavour, backend, rw));
        }
    }
}
