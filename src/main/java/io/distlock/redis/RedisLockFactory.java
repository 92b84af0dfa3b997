package io.distlock.redis;

import io.distlock.AbstractDistributedLockFactory;
import io.distlock.LockBackendException;
import io.distlock.LockFactoryBuilder;
import io.distlock.internal.Dependencies;
import io.distlock.internal.FactoryBinding;
import io.distlock.internal.LockEngine;
import java.time.Duration;
import java.util.Objects;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * Makes {@link RedisLock}s that share one Redis client, one key prefix, one set of
 * {@link io.distlock.LockOptions} and one background thread for lease renewal.
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
 * {@code ":fence"} appended for the fencing counter, {@code ":w"} for the set of acquisitions waiting,
 * {@code ":g"} for the tokens
 * of acquisitions given up with their outcome unknown, which a request of theirs that reaches
 * the server late may not use (fair locks add {@code ":fq"} and {@code ":fw:"} keys for their
 * queue; read/write locks use {@code ":rw:"} keys, fair ones {@code ":rw:q"} and
 * {@code ":rw:qa:"} for theirs); the braces make all of them one Redis
 * Cluster hash slot (inside the braces, a name's {@code \}, <code>{</code> and <code>}</code>
 * are written {@code \\}, {@code \(} and {@code \)}, so that the hash tag is always the whole
 * name). Releases are announced on the channel {@code prefix + "{" + name + "}"}; each factory
 * subscribes to every channel under its prefix with one pattern subscription, started when a
 * thread first has to wait. That subscription is PINGed every second on its own connection
 * (never on the acquire and release path); a subscription that leaves a PING unanswered for
 * two seconds, as one whose flow a NAT, load balancer or firewall dropped without a reset does,
 * is closed and made again, so a release announced into a dead subscription wakes the waiters
 * of other factories at most about three seconds late, never a whole lease late. Until the new
 * subscription is confirmed, waiters re-check the lock on a short timer. The subscription can
 * close its own socket only with a {@link RedisClient} or a {@code RedisSentinelClient} (the
 * ones the builder creates); with another client it can only unsubscribe, and its waiters keep
 * re-checking on that timer until the client's connection breaks or answers again.
 *
 * <p><b>Redis Cluster.</b> Given {@link Builder#clusterNodes seed nodes}, or a
 * {@code RedisClusterClient} or {@code JedisCluster} as its client, the factory runs on a
 * cluster (Redis 7.0 or later): each lock lives on its hash tag's slot, and releases are announced
 * with sharded pub/sub ({@code SPUBLISH}) on that slot, received by a {@code SSUBSCRIBE} on the
 * master that serves it while the lock has waiters in this factory (and for a few seconds after),
 * so a release reaches only that shard. Each master's subscription connection is checked every
 * second (a channel subscribed again, which the master confirms) and dropped and made again
 * when that is unanswered for two seconds, as on a single server. (The access-control list below is for a single server;
 * on a cluster the scripts publish with {@code SPUBLISH} and the factory subscribes with
 * {@code SSUBSCRIBE}, and the cluster client needs its routing commands.)
 *
 * <p><b>Access control.</b> An ACL user needs the commands the lock sends and those its scripts
 * run, on keys and channels under the prefix (a pattern subscription is matched literally, hence
 * the second channel rule); for prefix {@code locks:}:
 * <pre>
 * ACL SETUSER locker on &gt;secret resetkeys ~locks:* resetchannels &amp;locks:* &amp;locks:{* -@all
 *     +evalsha +eval +exists +psubscribe +punsubscribe +ping +hello +auth +client|setinfo
 *     +set +get +del +publish +time +pttl +pexpire +zadd +zrem +zscore +zcard +zrange +zremrangebyscore
 *     +sadd +srem
 * </pre>
 * ({@code +client|setinfo} only on Redis 7.2 and later.) Bad credentials, a missing permission
 * and a read-only replica are permanent errors: they fail at once, never retried, with a message
 * that says what to fix; {@link Builder#verifyOnBuild(boolean) verifyOnBuild(true)} makes
 * {@code build()} check them (off by default: {@code build()} then makes no network call, and they
 * show at the first lock).
 *
 * <p><b>TLS.</b> Set {@code ssl(true)} and, for a private CA, an {@code sslSocketFactory} on the
 * client configuration; the release subscription uses the same configuration. A handshake
 * refused over the server's certificate (not trusted, or not naming the host) is a permanent
 * error, reported at once with what to fix. A plain-text client pointed at a TLS-only port sees
 * only a closed connection, which looks like any network failure, so it fails after the
 * configured retries.
 *
 * <p><b>Deadlines.</b> A Jedis call is bounded by the client's own timeouts; an attempt of a
 * timed acquisition that could outlast the time it has left (on a frozen server a call can take
 * two socket timeouts and a connect timeout) runs on a helper thread and is given up at the
 * deadline. With a client you supply, how long its calls may block is not known, so every attempt
 * of a timed acquisition runs on a helper thread (a few microseconds more per attempt). The
 * client this factory creates waits at most one socket timeout for a pooled connection, or the
 * {@linkplain Builder#poolMaxWait pool wait} given instead (which a call's bound then counts).
 *
 * <p><b>Helper threads.</b> A factory runs such attempts on at most {@value #MAX_CALL_THREADS}
 * helper threads (named {@code distlock-redis-call}; they end after 30 s idle), the default size
 * of the connection pool of a client the factory creates, and never more than that pool has
 * connections for them ({@linkplain Builder#poolMaxTotal its size}, less the one the release
 * subscription holds on a single server or a Sentinel primary: more could only wait for one). On a frozen
 * server each helper stays blocked in its call for up to the client's timeouts, whatever its
 * caller's deadline, so the bound is what keeps many short timed calls on many names from piling
 * up threads. A timed call still
 * returns by its deadline when no helper is free: its attempt waits for one within the time the
 * call has left and is not sent if none comes free in time, and when 256 attempts wait already
 * the attempt fails at once with a {@link LockBackendException} that says so (not permanent: it
 * is retried within the deadline like any failure to reach the server). As with every attempt
 * given up at its deadline, whatever it may have left on the server is removed in the
 * background once it has ended.
 *
 * <p>A factory is thread-safe and meant to live as long as the application; see
 * {@link io.distlock.DistributedLockFactory} for what {@link #getLock} and {@link #close()}
 * promise.
 */
public final class RedisLockFactory extends AbstractDistributedLockFactory<RedisLock, RedisReadWriteLock> {

    /** The key prefix used when none is given. */
    public static final String DEFAULT_KEY_PREFIX = "lock:";
    /**
     * The most helper threads a factory runs Redis calls on so that timed acquisitions keep their
     * deadlines, and the default size of the connection pool of a client the factory creates
     * ({@link Builder#poolMaxTotal}); see <i>Helper threads</i> above.
     */
    public static final int MAX_CALL_THREADS = 8;
    /** How long fencing counters are kept when no retention is given. */
    public static final Duration DEFAULT_FENCING_RETENTION = Duration.ofHours(1);
    /**
     * The longest a release hands the lock to a waiter for ({@link Builder#handOverToWaiters}):
     * how long a waiter that is gone can keep the lock unused.
     */
    public static final long MAX_GRANT_MILLIS = 2_000;

    private RedisLockFactory() {
    }

    /**
     * Returns a new builder.
     *
     * @return a builder with the default prefix, options and retention
     * @throws IllegalStateException if Jedis ({@code redis.clients:jedis}), an optional
     *         dependency, is not on the class path
     */
    public static Builder builder() {
        Dependencies.require("redis.clients.jedis.UnifiedJedis", "redis.clients:jedis", "RedisLockFactory");
        return new Builder();
    }

    /**
     * A builder of {@link RedisLockFactory}; not thread-safe. Besides the Redis settings it takes
     * the {@linkplain #keyPrefix key prefix} (default {@value #DEFAULT_KEY_PREFIX}; braces are
     * refused, since the lock adds its own Redis Cluster hash tag after it), the
     * {@linkplain #options options} and a {@linkplain #leaseListener lease listener}.
     */
    public static final class Builder extends LockFactoryBuilder<Builder> {

        private UnifiedJedis client;
        private HostAndPort hostAndPort;
        private java.util.Set<HostAndPort> clusterNodes;
        private String sentinelMaster;
        private java.util.Set<HostAndPort> sentinels;
        private JedisClientConfig clientConfig;
        private JedisClientConfig sentinelClientConfig;
        /** The pool settings given; {@code null}: the factory's default. */
        private Integer poolMaxTotal;
        private Integer poolMaxIdle;
        private Integer poolMinIdle;
        private Duration poolMaxWait;
        private Duration fencingRetention = DEFAULT_FENCING_RETENTION;
        private int replicaAcks;
        private Duration replicaWait = Duration.ZERO;
        private boolean handOver;

        private Builder() {
            super(DEFAULT_KEY_PREFIX);
        }

        @Override
        protected void checkKeyPrefix(String keyPrefix) {
            if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
                throw new IllegalArgumentException("keyPrefix must not contain '{' or '}' (the lock key "
                        + "adds its own hash tag), was " + keyPrefix);
            }
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
         * Connects to a Redis Cluster, with a cluster client the factory creates and closes. The
         * nodes are seeds: any of the cluster's masters or replicas, from which the client learns
         * the rest and which master serves each slot. Every key of one lock carries the lock's hash
         * tag, so a lock lives on one slot and each of its operations is one script on its master;
         * releases are announced with sharded pub/sub on that slot, which needs Redis 7.0 or
         * later. What a failover of a master means for the locks it holds is in
         * {@code docs/deployments.md}: a lock whose acquisition had not reached the replica that
         * takes over is lost, and its holder is told.
         *
         * <p>The client learns the slots when the factory is built, so {@link #build()} fails with
         * a {@link LockBackendException} if no seed answers then; after that, the factory rides
         * out nodes that are down like any other failure of the server.
         *
         * @param seeds at least one node address
         * @return this builder
         * @throws NullPointerException if {@code seeds} or one of them is {@code null}
         * @throws IllegalArgumentException if {@code seeds} is empty
         */
        public Builder clusterNodes(java.util.Collection<HostAndPort> seeds) {
            Objects.requireNonNull(seeds, "seeds");
            if (seeds.isEmpty()) {
                throw new IllegalArgumentException("clusterNodes needs at least one seed node");
            }
            this.clusterNodes = addresses(seeds, "seed node");
            return this;
        }

        /**
         * Connects to the primary that Redis Sentinel names {@code masterName}, with a Sentinel
         * client the factory creates and closes: it asks the sentinels for the primary, and moves
         * to the new one when they announce a failover. The
         * {@linkplain #clientConfig client configuration} applies to the primary and its
         * replicas; the sentinels are reached with its timeouts and TLS settings but without
         * its credentials, unless a {@linkplain #sentinelClientConfig configuration of their own}
         * is given (for sentinels that ask for a password or an ACL user). What a failover means
         * for the locks held on the old primary is in {@code docs/deployments.md}: replication is
         * asynchronous, so a lock whose acquisition had not reached the promoted replica is lost,
         * and its holder is told; {@link #replicaAcknowledgements} narrows that window.
         *
         * @param masterName the name the sentinels monitor the primary under
         * @param sentinels at least one sentinel address
         * @return this builder
         * @throws NullPointerException if an argument or a sentinel is {@code null}
         * @throws IllegalArgumentException if {@code masterName} is empty or {@code sentinels} is empty
         * @see #sentinelClientConfig
         */
        public Builder sentinel(String masterName, java.util.Collection<HostAndPort> sentinels) {
            Objects.requireNonNull(masterName, "masterName");
            Objects.requireNonNull(sentinels, "sentinels");
            if (masterName.isEmpty()) {
                throw new IllegalArgumentException("masterName must not be empty");
            }
            if (sentinels.isEmpty()) {
                throw new IllegalArgumentException("sentinel needs at least one sentinel address");
            }
            this.sentinelMaster = masterName;
            this.sentinels = addresses(sentinels, "sentinel");
            return this;
        }

        private static java.util.Set<HostAndPort> addresses(java.util.Collection<HostAndPort> given, String what) {
            java.util.Set<HostAndPort> copy = new java.util.LinkedHashSet<>();
            for (HostAndPort address : given) {
                copy.add(Objects.requireNonNull(address, what));
            }
            return copy;
        }

        /**
         * Sets the Jedis configuration (password, user, TLS, database, timeouts) of the client
         * created for {@link #hostAndPort}, {@link #clusterNodes} or {@link #sentinel}. Defaults
         * to Jedis' defaults.
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
         * Sets the Jedis configuration of the connections to the sentinels themselves (those that
         * ask them for the primary and listen for their failover announcements), for sentinels
         * that ask for credentials of their own ({@code requirepass} or an ACL user in their
         * configuration) or are reached with other TLS settings than the primary. It is used as
         * given: nothing of the {@linkplain #clientConfig client configuration} is added to it, so
         * it carries its own timeouts and TLS settings; its client name does not apply to
         * sentinels, and a database other than 0 is refused (sentinels have none: Jedis would
         * select it and every sentinel would refuse). Without it, the sentinels are reached with
         * the client configuration's connect and socket timeouts and TLS settings, and without
         * credentials.
         *
         * <p>When no sentinel names the primary, {@link #build()} asks each sentinel once more,
         * one after the other, why (so a failing build can take up to a connect and a socket
         * timeout more per sentinel), and fails with a {@link LockBackendException} that names
         * each refusal (credentials refused or missing, a command not permitted, a TLS handshake
         * refused); it is permanent when every sentinel refused.
         *
         * @param sentinelClientConfig the configuration of the sentinel connections
         * @return this builder
         * @throws NullPointerException if {@code sentinelClientConfig} is {@code null}
         * @throws IllegalArgumentException if it selects a database other than 0
         * @see #sentinel
         */
        public Builder sentinelClientConfig(JedisClientConfig sentinelClientConfig) {
            Objects.requireNonNull(sentinelClientConfig, "sentinelClientConfig");
            if (sentinelClientConfig.getDatabase() != 0) {
                throw new IllegalArgumentException("sentinelClientConfig selects database "
                        + sentinelClientConfig.getDatabase() + ": sentinels have no databases (set the primary's "
                        + "database in clientConfig(...))");
            }
            this.sentinelClientConfig = sentinelClientConfig;
            return this;
        }

        /**
         * Sets the most connections the client the factory creates keeps open to a server at
         * once (its pool's {@code maxTotal}; on a cluster, per node). Defaults to
         * {@value RedisLockFactory#MAX_CALL_THREADS}. The pool is shared by the threads that call
         * the locks, the factory's helper threads for timed calls and the release subscription,
         * which holds one connection from the first wait of any thread of the factory until the
         * factory is closed; so a single server or a Sentinel primary gets one helper thread
         * fewer than this (at most {@value RedisLockFactory#MAX_CALL_THREADS}), a cluster as many
         * (its pools are per node). A thread that finds every connection taken waits for one up
         * to the {@linkplain #poolMaxWait pool wait}.
         *
         * @param maxTotal at least 2 (one for the release subscription, one for the calls), or a
         *        negative number for no limit
         * @return this builder
         * @throws IllegalArgumentException if {@code maxTotal} is 0 or 1
         */
        public Builder poolMaxTotal(int maxTotal) {
            if (maxTotal == 0 || maxTotal == 1) {
                throw new IllegalArgumentException("poolMaxTotal must be at least 2 (the release subscription holds "
                        + "one connection while a thread waits), or negative for no limit, was " + maxTotal);
            }
            this.poolMaxTotal = maxTotal;
            return this;
        }

        /**
         * Sets the most idle connections the pool of the client the factory creates keeps (its
         * {@code maxIdle}); a connection given back beyond it is closed. Defaults to Jedis' default,
         * 8.
         *
         * @param maxIdle the most idle connections, 0 to keep none, or a negative number for no limit
         * @return this builder
         */
        public Builder poolMaxIdle(int maxIdle) {
            this.poolMaxIdle = maxIdle;
            return this;
        }

        /**
         * Sets how many idle connections the pool of the client the factory creates tries to keep
         * open (its {@code minIdle}), topped up by the pool's evictor (every 30 s, Jedis' default).
         * Defaults to 0.
         *
         * @param minIdle the idle connections to keep, at least 0; {@link #build()} refuses more
         *        than {@link #poolMaxIdle} or {@link #poolMaxTotal} allow
         * @return this builder
         * @throws IllegalArgumentException if {@code minIdle} is negative
         */
        public Builder poolMinIdle(int minIdle) {
            if (minIdle < 0) {
                throw new IllegalArgumentException("poolMinIdle must not be negative, was " + minIdle);
            }
            this.poolMinIdle = minIdle;
            return this;
        }

        /**
         * Sets how long a call waits for a pooled connection when every connection of the client
         * the factory creates is taken (its pool's {@code maxWait}); past it the call fails like
         * any call that could not reach the server, and is retried under the
         * {@linkplain io.distlock.LockOptions retry settings}. Defaults to the client
         * configuration's socket timeout.
         *
         * <p>The wait is part of how long a call can block: a timed acquisition still returns by
         * its deadline (an attempt that could outlast it runs on a helper thread), but a call
         * without a deadline ({@code lock()}, {@code unlock()}, a lease renewal) can block this
         * much longer while the pool is exhausted. So {@link #build()} refuses a wait with which
         * one call (a connect timeout, this wait and two socket timeouts, and the
         * {@linkplain #replicaAcknowledgements replica wait}) could outlast what a renewal has
         * left of the lease (the lease less the {@linkplain io.distlock.LockOptions#renewInterval
         * renewal interval}). A wait without end, which commons-pool allows, is refused too: a
         * renewal stuck on it would lose its lease silently; so is zero, with which commons-pool
         * may still wait for connections being opened.
         *
         * @param maxWait how long to wait, at least a millisecond; {@code null} for the default
         * @return this builder
         * @throws IllegalArgumentException if {@code maxWait} is shorter than a millisecond
         */
        public Builder poolMaxWait(Duration maxWait) {
            if (maxWait != null && maxWait.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("poolMaxWait must be at least 1 ms (a call may not wait for a "
                        + "connection without end, and commons-pool does not fail at once on zero), was " + maxWait);
            }
            this.poolMaxWait = maxWait;
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
         * Makes every acquisition and every renewal wait until {@code replicas} replicas of the
         * primary have acknowledged it ({@code WAIT replicas timeout} on the connection that
         * wrote, after the script). Off by default. An acquisition the replicas did not
         * acknowledge in time fails like any other failed call: it is given back on the primary
         * and retried under the {@linkplain io.distlock.LockOptions retry settings}, then
         * {@code lock()} throws {@link LockBackendException}; a renewal that keeps failing so ends
         * in a lost lease. So while fewer replicas are reachable, no lock is granted.
         *
         * <p>What it narrows: a lock the caller holds is on at least {@code replicas} replicas,
         * so a failover to one of them keeps it. What it cannot promise: a failover to another
         * replica (with fewer replicas asked for than there are), or one that happens while the
         * write is on its way, still loses the lock; Redis replication stays asynchronous, and
         * {@code WAIT} does not make it consistent ({@code docs/deployments.md}). Each
         * acquisition and renewal costs the replicas' acknowledgement time; keep the timeout below
         * the client's socket timeout, since the connection waits for the answer. Exclusive locks
         * (fair or not) wait for the replicas; read/write locks and conditions do not yet.
         *
         * @param replicas how many replicas must acknowledge, 0 (off) to 16
         * @param timeout how long the server waits for them, positive and shorter than the lease
         * @return this builder
         * @throws NullPointerException if {@code timeout} is {@code null}
         * @throws IllegalArgumentException if {@code replicas} is out of range, or {@code timeout}
         *         is not positive while {@code replicas} is
         */
        public Builder replicaAcknowledgements(int replicas, Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (replicas < 0 || replicas > 16) {
                throw new IllegalArgumentException("replicas must be between 0 and 16, was " + replicas);
            }
            if (replicas > 0 && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("timeout must be positive, was " + timeout);
            }
            this.replicaAcks = replicas;
            this.replicaWait = timeout;
            return this;
        }

        /**
         * Whether a release for which a waiter of another factory (another JVM) waits hands the
         * lock to that waiter on the server, rather than freeing it for every waiter to race for
         * (default {@code false}). The release sets the lock to one waiter's token (chosen at
         * random among those waiting) for a short grant time, {@value #MAX_GRANT_MILLIS} ms or a
         * third of the lease if shorter, and announces it with the waiter's fencing token; that
         * waiter's {@code lock()} returns as soon as it hears the announcement, without a request
         * of its own (one network round trip less per hand-over between JVMs, for a waiter that
         * was parked), and its lease is renewed to the full lease time at once in the background.
         * The grant is counted from the waiter's last request that the server answered before
         * it, so never past the time the server keeps it. A waiter that heard the announcement
         * late (with less than half of the grant time left, or after a later answer of the
         * server) or not at all takes the lock with its next attempt, with a full lease. The
         * other waiters are woken by the announcement as by any release, find the lock busy and
         * wait again; the releasing factory keeps no reservation (there is nothing to reserve).
         *
         * <p>When it pays: a waiter that waits parked (behind a critical section longer than a
         * round trip) gets the lock one round trip sooner. When it does not: with more contending
         * processes than CPUs, the waiter handed the lock may not be running, while without
         * hand-over whichever waiter runs first takes it (measured on 2 cores with 8 JVMs:
         * slower and fairer; {@code docs/benchmarks/2026-12-07-handover}).
         *
         * <p>What it costs: a waiter that is gone (its JVM died while waiting, before its waiting
         * mark expired) can be handed the lock, which then stays unused for the grant time; a
         * factory of a version that does not hand over does not recognise a lock handed to it,
         * with the same cost. So turn it on once every factory that uses the key prefix is of
         * this version or later. Safety is unchanged: one holder at a time, fencing tokens
         * growing, a grant never counted past the time the server keeps it.
         *
         * <p>Only for non-fair locks renewed by the watchdog, without replica acknowledgements
         * ({@link #build()} refuses other combinations): a fair lock already hands its turn to the
         * head of its queue, a fixed lease is not renewed after a short grant, and a grant is not
         * a write the replicas acknowledge. Read/write locks and conditions do not hand over.
         *
         * @param handOver whether releases hand the lock to a waiter
         * @return this builder
         */
        public Builder handOverToWaiters(boolean handOver) {
            this.handOver = handOver;
            return this;
        }

        /**
         * Builds the factory.
         *
         * @return the factory
         * @throws IllegalStateException if not exactly one of {@link #client},
         *         {@link #hostAndPort}, {@link #clusterNodes} and {@link #sentinel} was given, or
         *         {@link #clientConfig} or a pool setting was given with a client, or
         *         {@link #sentinelClientConfig} without {@link #sentinel}, or
         *         {@link #poolMinIdle} exceeds {@link #poolMaxIdle} or {@link #poolMaxTotal}, or
         *         the {@linkplain #replicaAcknowledgements replicas' timeout} or the
         *         {@linkplain #poolMaxWait pool wait} is too long for the lease (see there), or
         *         {@link #handOverToWaiters} was asked for with fair locks, with the watchdog off
         *         or with {@link #replicaAcknowledgements}
         * @throws LockBackendException if {@link #clusterNodes} were given and none of them
         *         answered with the cluster's slots, or {@link #sentinel} was given and no
         *         sentinel named the primary (permanent, naming the refusal, when the sentinels
         *         refused the credentials or the TLS handshake)
         */
        public RedisLockFactory build() {
            if (handOver && (options().fair() || !options().watchdog() || replicaAcks > 0)) {
                throw new IllegalStateException("handOverToWaiters needs non-fair locks renewed by the watchdog and no "
                        + "replica acknowledgements; the options ask for "
                        + (options().fair() ? "fair locks" : !options().watchdog() ? "fixed leases (watchdog off)"
                        : replicaAcks + " replica acknowledgements"));
            }
            if (replicaAcks > 0 && replicaWait.compareTo(options().leaseTime()) >= 0) {
                throw new IllegalStateException("the replicas' acknowledgement timeout (" + replicaWait
                        + ") must be shorter than the lease time (" + options().leaseTime() + ")");
            }
            int given = (client != null ? 1 : 0) + (hostAndPort != null ? 1 : 0) + (clusterNodes != null ? 1 : 0)
                    + (sentinels != null ? 1 : 0);
            if (given != 1) {
                throw new IllegalStateException(
                        "exactly one of client(...), hostAndPort(...), clusterNodes(...) or sentinel(...) must be set");
            }
            if (sentinelClientConfig != null && sentinels == null) {
                throw new IllegalStateException("sentinelClientConfig(...) applies to sentinel(...) only");
            }
            checkPool();
            if (client != null) {
                if (clientConfig != null) {
                    throw new IllegalStateException(
                            "clientConfig(...) applies to hostAndPort(...), not to a supplied client");
                }
                if (poolMaxTotal != null || poolMaxIdle != null || poolMinIdle != null || poolMaxWait != null) {
                    throw new IllegalStateException("the pool settings (poolMaxTotal, poolMaxIdle, poolMinIdle, "
                            + "poolMaxWait) apply to the client the factory creates, not to a supplied client");
                }
                // how long a call of a supplied client may block is not known (its pool may wait
                // for a connection for ever): timed attempts always run on a helper thread
                return create(client, false, "Redis via " + client.getClass().getSimpleName(), Long.MAX_VALUE);
            }
            JedisClientConfig config = clientConfig != null
                    ? clientConfig : DefaultJedisClientConfig.builder().build();
            ConnectionPoolConfig pool = new ConnectionPoolConfig();
            // Jedis' default too; more helper threads than connections could only wait for one
            int maxTotal = poolMaxTotal != null ? poolMaxTotal : MAX_CALL_THREADS;
            pool.setMaxTotal(maxTotal);
            // the release subscription holds one connection of a single server's (or primary's)
            // pool for good once a thread waited; a cluster's pools are per node
            int usable = maxTotal < 0 ? MAX_CALL_THREADS : clusterNodes != null ? maxTotal : maxTotal - 1;
            int callThreads = Math.max(1, Math.min(MAX_CALL_THREADS, usable));
            if (poolMaxIdle != null) {
                pool.setMaxIdle(poolMaxIdle);
            }
            if (poolMinIdle != null) {
                pool.setMinIdle(poolMinIdle);
            }
            long socketTimeout = config.getSocketTimeoutMillis();
            long maxCall = Long.MAX_VALUE;
            // a caller waits for a pooled connection at most one socket timeout, or the wait given
            long poolWait = poolMaxWait != null ? poolMaxWait.toMillis() : Math.max(socketTimeout, 0);
            if (poolMaxWait != null) {
                pool.setMaxWait(poolMaxWait);
            } else if (socketTimeout > 0) {
                pool.setMaxWait(Duration.ofMillis(socketTimeout));
            }
            if (socketTimeout > 0) {
                // so a call blocks at most a connect timeout, that wait and two socket timeouts
                maxCall = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(
                        Math.max(config.getConnectionTimeoutMillis(), 0) + poolWait + 2 * socketTimeout);
            }
            if (clusterNodes != null) {
                // the cluster client retries redirections and failed nodes for at most this long,
                // and a call in flight then may take a connect, a pool wait and a socket timeout more
                Duration retries = Duration.ofMillis(socketTimeout > 0 ? 2 * socketTimeout : 4_000);
                long maxClusterCall = socketTimeout > 0
                        ? retries.toNanos() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(
                                Math.max(config.getConnectionTimeoutMillis(), 0) + poolWait + socketTimeout)
                        : Long.MAX_VALUE;
                redis.clients.jedis.RedisClusterClient cluster;
                try {
                    cluster = redis.clients.jedis.RedisClusterClient.builder()
                            .nodes(clusterNodes)
                            .clientConfig(config)
                            .poolConfig(pool)
                            .maxTotalRetriesDuration(retries)
                            .build();
                } catch (redis.clients.jedis.exceptions.JedisException e) {
                    String fix = RedisBackend.permanentCause(e);
                    throw new LockBackendException("Redis Cluster at " + clusterNodes + ": no seed node told the "
                            + "cluster's slots (" + e.getMessage() + ")" + (fix != null ? " (" + fix + ")" : ""),
                            e, fix != null);
                }
                return create(cluster, true, "Redis Cluster at " + clusterNodes, maxClusterCall, callThreads);
            }
            if (sentinels != null) {
                JedisClientConfig sentinelConfig = sentinelClientConfig != null ? sentinelClientConfig
                        : DefaultJedisClientConfig.builder()
                        .connectionTimeoutMillis(config.getConnectionTimeoutMillis())
                        .socketTimeoutMillis(config.getSocketTimeoutMillis())
                        .ssl(config.isSsl())
                        .sslSocketFactory(config.getSslSocketFactory())
                        .sslParameters(config.getSslParameters())
                        .hostnameVerifier(config.getHostnameVerifier())
                        .build();
                redis.clients.jedis.RedisSentinelClient sentinel;
                try {
                    sentinel = redis.clients.jedis.RedisSentinelClient.builder()
                            .masterName(sentinelMaster)
                            .sentinels(sentinels)
                            .clientConfig(config)
                            .sentinelClientConfig(sentinelConfig)
                            .poolConfig(pool)
                            .build();
                } catch (redis.clients.jedis.exceptions.JedisException e) {
                    // Jedis tells only that no sentinel answered: ask them once more for why
                    java.util.List<String> refusals = sentinelRefusals(sentinelConfig);
                    throw new LockBackendException("Redis Sentinel " + sentinels + ": no sentinel named the primary '"
                            + sentinelMaster + "' (" + e.getMessage() + ")"
                            + (refusals.isEmpty() ? "" : "; " + String.join("; ", refusals)),
                            e, refusals.size() == sentinels.size());
                }
                return create(sentinel, true, "Redis primary '" + sentinelMaster + "' via Sentinel " + sentinels,
                        maxCall, callThreads);
            }
            RedisClient created = RedisClient.builder()
                    .hostAndPort(hostAndPort)
                    .clientConfig(config)
                    .poolConfig(pool)
                    .build();
            return create(created, true, "Redis at " + hostAndPort, maxCall, callThreads);
        }

        /**
         * Checks the pool settings as {@link #build()} does: against each other, and the pool
         * wait against the client configuration, the lease and the replica wait set so far.
         * Nothing is built or sent.
         *
         * @return this builder
         * @throws IllegalStateException if {@link #build()} would refuse them, saying why
         */
        public Builder checkPool() {
            if (poolMinIdle != null && poolMinIdle > 0) {
                if (poolMaxIdle != null && poolMaxIdle >= 0 && poolMinIdle > poolMaxIdle) {
                    throw new IllegalStateException("poolMinIdle (" + poolMinIdle + ") must not exceed poolMaxIdle ("
                            + poolMaxIdle + ")");
                }
                int maxTotal = poolMaxTotal != null ? poolMaxTotal : MAX_CALL_THREADS;
                if (maxTotal >= 0 && poolMinIdle > maxTotal) {
                    throw new IllegalStateException("poolMinIdle (" + poolMinIdle + ") must not exceed poolMaxTotal ("
                            + maxTotal + ")");
                }
            }
            if (poolMaxWait != null) {
                JedisClientConfig config = clientConfig != null ? clientConfig : DefaultJedisClientConfig.builder().build();
                long socket = Math.max(config.getSocketTimeoutMillis(), 0);
                long call = Math.max(config.getConnectionTimeoutMillis(), 0) + poolMaxWait.toMillis() + 2 * socket
                        + (replicaAcks > 0 ? replicaWait.toMillis() : 0);
                long left = options().leaseTime().minus(options().renewInterval()).toMillis();
                if (call >= left) {
                    throw new IllegalStateException("the pool wait (" + poolMaxWait + ") is too long for the lease "
                            + "time (" + options().leaseTime() + "): a renewal could block " + call + " ms (connect "
                            + "timeout, the pool wait, two socket timeouts" + (replicaAcks > 0 ? ", the replica wait" : "")
                            + ") and has " + left + " ms of its lease left");
                }
            }
            return this;
        }

        /**
         * Why the sentinels refused to name the primary, as far as it lasts (credentials refused,
         * TLS handshake refused): one entry per sentinel that refused, none for one that is only
         * unreachable or answers now.
         */
        private java.util.List<String> sentinelRefusals(JedisClientConfig sentinelConfig) {
            java.util.List<String> refusals = new java.util.ArrayList<>();
            for (HostAndPort address : sentinels) {
                try (redis.clients.jedis.Jedis probe = new redis.clients.jedis.Jedis(address, sentinelConfig)) {
                    probe.sentinelGetMasterAddrByName(sentinelMaster);
                } catch (redis.clients.jedis.exceptions.JedisAccessControlException e) {
                    String m = String.valueOf(e.getMessage());
                    refusals.add(m.startsWith("NOPERM")
                            ? "sentinel " + address + " did not permit the command (" + m + ")"
                            : "sentinel " + address + " refused the authentication (" + m + "): sentinels that ask "
                                    + "for credentials of their own need them in sentinelClientConfig(...)");
                } catch (redis.clients.jedis.exceptions.JedisException e) {
                    String fix = RedisBackend.permanentCause(e);
                    if (fix != null) {
                        refusals.add("sentinel " + address + ": " + e.getMessage() + " (" + fix + ")");
                    }
                }
            }
            return refusals;
        }

        /** How long a release hands the lock to a waiter for: MAX_GRANT_MILLIS, or a third of the lease if shorter. */
        static long grantMillis(io.distlock.LockOptions options) {
            return Math.max(1L, Math.min(MAX_GRANT_MILLIS, options.leaseTime().toMillis() / 3));
        }

        private RedisLockFactory create(UnifiedJedis jedis, boolean ownsClient, String description,
                                        long maxCallNanos) {
            return create(jedis, ownsClient, description, maxCallNanos, MAX_CALL_THREADS);
        }

        private RedisLockFactory create(UnifiedJedis jedis, boolean ownsClient, String description,
                                        long maxCallNanos, int callThreads) {
            long retention = Math.max(fencingRetention.toMillis(), options().leaseTime().toMillis());
            long waitNanos = replicaAcks > 0 ? replicaWait.toNanos() : 0;
            RedisBackend backend = new RedisBackend(jedis, ownsClient, keyPrefix(), retention, description,
                    maxCallNanos == Long.MAX_VALUE ? maxCallNanos : maxCallNanos + waitNanos, callThreads,
                    options().fair(), replicaAcks, replicaWait.toMillis(), handOver ? grantMillis(options()) : 0);
            LockEngine engine = new LockEngine(backend, new RedisReadWriteBackend(backend), options(),
                    leaseListener(), "RedisLockFactory");
            return FactoryBinding.make(engine, keyPrefix(), RedisLock::new, RedisReadWriteLock::new,
                    verifyOnBuild() ? description : null, RedisLockFactory::new);
        }
    }
}
