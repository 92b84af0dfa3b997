package io.distlock.jmh;

import io.distlock.DistributedLockFactory;
import io.distlock.etcd.EtcdFlavour;
import io.distlock.etcd.EtcdLockFactory;
import io.distlock.redis.RedisLockFactory;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

/**
 * The candidates, by the names used in the benchmarks' {@code @Param}s. Servers come from the
 * system properties {@code distlock.redis} ({@code host:port}) and {@code distlock.etcd} (a
 * client URL), which the run script sets. TLS: {@code distlock.redis.tls=true} makes every Redis
 * candidate connect with TLS, and an {@code https://} etcd URL every etcd candidate; each trusts
 * the CA certificates of the PEM file in {@code distlock.redis.ca} / {@code distlock.etcd.ca}, or
 * without one the JVM's default trust store, and checks that the server's certificate names the
 * host it connects to.
 */
final class Candidates {

    private Candidates() {
    }

    static String redisHost() {
        String a = System.getProperty("distlock.redis", "127.0.0.1:6379");
        return a.substring(0, a.lastIndexOf(':'));
    }

    static int redisPort() {
        String a = System.getProperty("distlock.redis", "127.0.0.1:6379");
        return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
    }

    /** Whether candidate {@code impl} runs on etcd (RawEtcd, EtcdLock..., JetcdLock): the programs size its rounds for etcd. */
    static boolean onEtcd(String impl) {
        return impl.contains("Etcd") || impl.contains("Jetcd");
    }

    static String etcd() {
        return System.getProperty("distlock.etcd", "http://127.0.0.1:2379");
    }

    /**
     * The command of a child JVM running {@code main} with {@code args}, reaching the same
     * servers with the same users as this JVM (passwords pass in the inherited environment).
     */
    static List<String> childCommand(Class<?> main, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(
                java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Ddistlock.redis=" + System.getProperty("distlock.redis", "127.0.0.1:6379"),
                "-Ddistlock.etcd=" + etcd(), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        for (String user : List.of("distlock.redis.user", "distlock.etcd.user", "distlock.redis.tls",
                "distlock.redis.ca", "distlock.etcd.ca", "distlock.handoff.holdMicros",
                "distlock.handoff.warmupSeconds", "distlock.handoff.maxWarmupSeconds")) {
            if (System.getProperty(user) != null) {
                command.add("-D" + user + "=" + System.getProperty(user));
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** The Redis user ({@code distlock.redis.user}), or null for the default user. */
    static String redisUser() {
        return System.getProperty("distlock.redis.user");
    }

    /** The Redis password (environment variable {@code DISTLOCK_REDIS_PASSWORD}), or null. */
    static String redisPassword() {
        return System.getenv("DISTLOCK_REDIS_PASSWORD");
    }

    /** Whether the Redis candidates connect with TLS ({@code distlock.redis.tls}). */
    static boolean redisTls() {
        return Boolean.getBoolean("distlock.redis.tls");
    }

    /**
     * The trust for TLS connections: the CA certificates of the PEM file named by system
     * property {@code caProperty}, or the JVM's default trust store if it is not set.
     */
    static javax.net.ssl.TrustManagerFactory trust(String caProperty) {
        String ca = System.getProperty(caProperty);
        try {
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            if (ca == null || ca.isEmpty()) {
                tmf.init((java.security.KeyStore) null);
                return tmf;
            }
            java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(ca))) {
                for (java.security.cert.Certificate c
                        : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    store.setCertificateEntry("ca-" + i++, c);
                }
            }
            if (i == 0) {
                throw new IllegalArgumentException(caProperty + ": no certificate in " + ca);
            }
            tmf.init(store);
            return tmf;
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException(caProperty + ": cannot read the CA certificates in " + ca + ": " + e, e);
        }
    }

    /** The client settings every Redis candidate uses: credentials if given, TLS if asked, a 2 s timeout. */
    static redis.clients.jedis.JedisClientConfig redisConfig() {
        redis.clients.jedis.DefaultJedisClientConfig.Builder b = redis.clients.jedis.DefaultJedisClientConfig.builder()
                .user(redisUser()).password(redisPassword()).timeoutMillis(2_000);
        if (redisTls()) {
            try {
                javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
                tls.init(null, trust("distlock.redis.ca").getTrustManagers(), null);
                javax.net.ssl.SSLParameters checkHost = new javax.net.ssl.SSLParameters();
                checkHost.setEndpointIdentificationAlgorithm("HTTPS");
                b.ssl(true).sslSocketFactory(tls.getSocketFactory()).sslParameters(checkHost);
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("no TLS context: " + e, e);
            }
        }
        return b.build();
    }

    /** A RedisLockFactory builder for the benchmark's server and credentials. */
    static RedisLockFactory.Builder redisLockFactory() {
        return RedisLockFactory.builder().hostAndPort(redisHost(), redisPort()).clientConfig(redisConfig());
    }

    /**
     * A jetcd client builder for the benchmark's server, with the user
     * ({@code distlock.etcd.user}) and password (environment variable
     * {@code DISTLOCK_ETCD_PASSWORD}) if given.
     */
    static io.etcd.jetcd.ClientBuilder etcdClientBuilder() {
        io.etcd.jetcd.ClientBuilder b = Client.builder().endpoints(etcd());
        if (etcd().startsWith("https://")) {
            javax.net.ssl.TrustManagerFactory tmf = trust("distlock.etcd.ca");
            try {
                b.sslContext(ssl -> ssl.trustManager(tmf));
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException("no TLS context for " + etcd() + ": " + e, e);
            }
        }
        String user = System.getProperty("distlock.etcd.user");
        if (user != null) {
            b.user(ByteSequence.from(user, StandardCharsets.UTF_8));
            String password = System.getenv("DISTLOCK_ETCD_PASSWORD");
            b.password(ByteSequence.from(password == null ? "" : password, StandardCharsets.UTF_8));
        }
        return b;
    }

    /** An EtcdLockFactory builder for the benchmark's server and credentials. */
    static EtcdLockFactory.Builder etcdLockFactory() {
        return EtcdLockFactory.builder().clientBuilder(etcdClientBuilder());
    }

    /**
     * Shared clients of one benchmark state; the candidates of that state use them. Each client
     * is made on first use, under the state's monitor: JMH runs the thread-scoped set-ups of a
     * benchmark's threads at the same time, and without it each thread could build a factory of
     * its own (threads of one JVM would then contend as separate processes do).
     */
    static final class Clients implements AutoCloseable {
        private DistributedLockFactory redisLocks;
        private DistributedLockFactory redisFairLocks;
        private DistributedLockFactory redisHandOverLocks;
        private DistributedLockFactory etcdFairTxnLocks;
        private DistributedLockFactory etcdTxnLocks;
        private DistributedLockFactory etcdServiceLocks;
        private RedissonClient redisson;
        private Client etcdClient;
        private org.springframework.integration.redis.util.RedisLockRegistry springRegistry;
        private org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory springConnections;
        final String prefix;

        Clients() {
            this("bench-" + UUID.randomUUID() + "-");
        }

        /** Clients whose keys share {@code prefix}, so that two processes can meet on one lock. */
        Clients(String prefix) {
            this.prefix = prefix;
        }

        synchronized DistributedLockFactory redisLocks() {
            if (redisLocks == null) {
                redisLocks = redisLockFactory().keyPrefix(prefix).build();
            }
            return redisLocks;
        }

        /** Fair locks ({@code LockOptions.fair(true)}) on Redis. */
        synchronized DistributedLockFactory redisFairLocks() {
            if (redisFairLocks == null) {
                redisFairLocks = redisLockFactory().keyPrefix(prefix)
                        .options(io.distlock.LockOptions.builder().fair(true).build()).build();
            }
            return redisFairLocks;
        }

        /** Non-fair locks on Redis whose releases hand the lock to a waiter ({@code handOverToWaiters}). */
        synchronized DistributedLockFactory redisHandOverLocks() {
            if (redisHandOverLocks == null) {
                redisHandOverLocks = redisLockFactory().keyPrefix(prefix).handOverToWaiters(true).build();
            }
            return redisHandOverLocks;
        }

        /** Fair locks on etcd, transaction flavour (its queue by create revision). */
        synchronized DistributedLockFactory etcdFairTxnLocks() {
            if (etcdFairTxnLocks == null) {
                etcdFairTxnLocks = etcdLockFactory().keyPrefix(prefix + "txn/")
                        .options(io.distlock.LockOptions.builder().fair(true).build()).build();
            }
            return etcdFairTxnLocks;
        }

        synchronized DistributedLockFactory etcdLocks(EtcdFlavour flavour) {
            if (flavour == EtcdFlavour.TRANSACTION) {
                if (etcdTxnLocks == null) {
                    etcdTxnLocks = etcdLockFactory().keyPrefix(prefix + "txn/").build();
                }
                return etcdTxnLocks;
            }
            if (etcdServiceLocks == null) {
                etcdServiceLocks = etcdLockFactory().keyPrefix(prefix + "svc/")
                        .flavour(EtcdFlavour.LOCK_SERVICE).build();
            }
            return etcdServiceLocks;
        }

        synchronized RedissonClient redisson() {
            if (redisson == null) {
                Config config = new Config();
                // Redisson 4 takes credentials and TLS settings on the Config (those on the server
                // config are deprecated and logged as such)
                config.setUsername(redisUser()).setPassword(redisPassword());
                config.useSingleServer().setAddress((redisTls() ? "rediss://" : "redis://") + redisHost() + ":" + redisPort());
                if (redisTls()) {
                    config.setSslTrustManagerFactory(trust("distlock.redis.ca"));
                }
                redisson = Redisson.create(config);
            }
            return redisson;
        }

        /**
         * Spring Integration's {@code RedisLockRegistry} in its pub/sub mode (waiters are woken by
         * a release message instead of polling), over a Lettuce connection factory of its own.
         */
        synchronized org.springframework.integration.redis.util.RedisLockRegistry springRegistry() {
            if (springRegistry == null) {
                org.springframework.data.redis.connection.RedisStandaloneConfiguration config =
                        new org.springframework.data.redis.connection.RedisStandaloneConfiguration(redisHost(), redisPort());
                config.setUsername(redisUser());
                if (redisPassword() != null) {
                    config.setPassword(redisPassword());
                }
                org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration.LettuceClientConfigurationBuilder
                        client = org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration.builder();
                if (redisTls()) {
                    client.useSsl().and().clientOptions(io.lettuce.core.ClientOptions.builder()
                            .sslOptions(io.lettuce.core.SslOptions.builder().trustManager(trust("distlock.redis.ca")).build())
                            .build());
                }
                springConnections = new org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory(
                        config, client.build());
                springConnections.afterPropertiesSet();
                springConnections.start();
                springRegistry = new org.springframework.integration.redis.util.RedisLockRegistry(
                        springConnections, prefix + "spring", 30_000L);
                springRegistry.setRedisLockType(
                        org.springframework.integration.redis.util.RedisLockRegistry.RedisLockType.PUB_SUB_LOCK);
            }
            return springRegistry;
        }

        synchronized Client etcdClient() {
            if (etcdClient == null) {
                etcdClient = etcdClientBuilder().build();
            }
            return etcdClient;
        }

        @Override
        public synchronized void close() {
            if (redisLocks != null) {
                redisLocks.close();
            }
            if (redisFairLocks != null) {
                redisFairLocks.close();
            }
            if (redisHandOverLocks != null) {
                redisHandOverLocks.close();
            }
            if (etcdFairTxnLocks != null) {
                etcdFairTxnLocks.close();
            }
            if (etcdTxnLocks != null) {
                etcdTxnLocks.close();
            }
            if (etcdServiceLocks != null) {
                etcdServiceLocks.close();
            }
            if (redisson != null) {
                redisson.shutdown();
            }
            if (etcdClient != null) {
                etcdClient.close();
            }
            if (springRegistry != null) {
                springRegistry.destroy();
                springConnections.destroy();
            }
        }
    }

    /** A candidate for lock {@code name}; {@code shared} holds the JVM-local locks by name. */
    static Candidate create(String kind, String name, Clients clients, java.util.Map<String, ReentrantLock> shared) {
        switch (kind) {
            case "ReentrantLock":
                return wrap(shared.computeIfAbsent(name, n -> new ReentrantLock()));
            case "RedisLock":
                return wrap(clients.redisLocks().getLock(name));
            case "RedisReadLock":
                return wrap(clients.redisLocks().getReadWriteLock(name).readLock());
            case "RedisWriteLock":
                return wrap(clients.redisLocks().getReadWriteLock(name).writeLock());
            case "RedisFairLock":
                return wrap(clients.redisFairLocks().getLock(name));
            case "RedisLockHandOver":
                return wrap(clients.redisHandOverLocks().getLock(name));
            case "Redisson":
                return wrap(clients.redisson().getLock(clients.prefix + name));
            case "SpringRedisLock":
                return wrap(clients.springRegistry().obtain(name));
            case "RedissonReadLock":
                return wrap(clients.redisson().getReadWriteLock(clients.prefix + name).readLock());
            case "RedissonWriteLock":
                return wrap(clients.redisson().getReadWriteLock(clients.prefix + name).writeLock());
            case "RedissonFairLock":
                return wrap(clients.redisson().getFairLock(clients.prefix + name));
            case "EtcdFairLockTxn":
                return wrap(clients.etcdFairTxnLocks().getLock(name));
            case "RawRedis":
                return new RawRedis(clients.prefix + name);
            case "RawRedisBaton":
                return new RawRedisBaton(clients.prefix + name);
            case "EtcdLockTxn":
                return wrap(clients.etcdLocks(EtcdFlavour.TRANSACTION).getLock(name));
            case "EtcdLockService":
                return wrap(clients.etcdLocks(EtcdFlavour.LOCK_SERVICE).getLock(name));
            case "EtcdReadLock":
                return wrap(clients.etcdLocks(EtcdFlavour.TRANSACTION).getReadWriteLock(name).readLock());
            case "EtcdWriteLock":
                return wrap(clients.etcdLocks(EtcdFlavour.TRANSACTION).getReadWriteLock(name).writeLock());
            case "RawEtcd":
                return new RawEtcd(clients.etcdClient(), clients.prefix + name);
            case "JetcdLock":
                return new JetcdLock(clients.etcdClient(), clients.prefix + name);
            default:
                throw new IllegalArgumentException("unknown candidate " + kind);
        }
    }

    /**
     * The life of the lease a baseline shares across its acquisitions: it is not kept alive (no
     * keep-alive traffic in the floor's figures), so it must outlive the longest run of one
     * candidate (a profiled or slow run of 30 interleaved rounds took more than 30 s); the
     * baseline revokes it when closed.
     */
    static final long LEASE_SECONDS = 3_600;

    /**
     * Revokes a baseline's lease and waits for the answer (at most 10 s): the clients are closed
     * right after, which would drop a revoke still on its way and leave the lease (and its keys)
     * on the server for {@link #LEASE_SECONDS}.
     */
    static void revokeLease(Client client, long lease) {
        try {
            client.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.err.println("revoking the baseline's etcd lease " + lease + " failed (it ends by itself within "
                    + LEASE_SECONDS + " s): " + e);
        }
    }

    /** A lease of {@link #LEASE_SECONDS} for a baseline that shares one lease across its acquisitions. */
    static long grantLease(Client client) {
        try {
            return client.getLeaseClient().grant(LEASE_SECONDS).get(10, TimeUnit.SECONDS).getID();
        } catch (Exception e) {
            throw new IllegalStateException("could not grant an etcd lease", e);
        }
    }

    private static Candidate wrap(Lock lock) {
        return new Candidate() {
            @Override
            public void lock() {
                lock.lock();
            }

            @Override
            public boolean tryLock() {
                return lock.tryLock();
            }

            @Override
            public void unlock() {
                lock.unlock();
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * The floor on Redis: one connection, {@code SET key token NX PX} to acquire (spinning while
     * busy), a compare-and-delete {@code EVAL} to release. No renewal, no waiting queue, no
     * reentrancy: the least any correct Redis lock does.
     */
    /**
     * The physical floor of a hand-over between processes through Redis: one baton in a list.
     * {@code lock()} is a {@code BLPOP} that blocks until the baton is there, {@code unlock()} an
     * {@code LPUSH} that puts it back, which Redis hands straight to the longest-blocked
     * {@code BLPOP} (the other process). One write and the server's push: no lease, no fencing
     * token, no recovery if a holder dies, so not a lock anyone should use; it measures what
     * the wire and the server cost. The first process to get here seeds the baton.
     */
    static final class RawRedisBaton implements Candidate {
        private final Jedis jedis = new Jedis(new redis.clients.jedis.HostAndPort(redisHost(), redisPort()), redisConfig());
        private final String key;

        RawRedisBaton(String key) {
            this.key = key + ":baton";
            if (jedis.setnx(this.key + ":seeded", "1") == 1) {
                jedis.lpush(this.key, "baton");
            }
        }

        @Override
        public void lock() {
            jedis.blpop(0, key);
        }

        @Override
        public boolean tryLock() {
            return jedis.lpop(key) != null;
        }

        @Override
        public void unlock() {
            jedis.lpush(key, "baton");
        }

        @Override
        public void close() {
            jedis.close();
        }
    }

    static final class RawRedis implements Candidate {
        private static final String RELEASE =
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
        private final Jedis jedis = new Jedis(new redis.clients.jedis.HostAndPort(redisHost(), redisPort()), redisConfig());
        private final String key;
        private String token;

        RawRedis(String key) {
            this.key = key;
        }

        @Override
        public void lock() {
            while (!tryLock()) {
                Thread.onSpinWait();
            }
        }

        @Override
        public boolean tryLock() {
            String t = UUID.randomUUID().toString();
            if ("OK".equals(jedis.set(key, t, SetParams.setParams().nx().px(30_000)))) {
                token = t;
                return true;
            }
            return false;
        }

        @Override
        public void unlock() {
            jedis.eval(RELEASE, List.of(key), List.of(token));
        }

        @Override
        public void close() {
            jedis.close();
        }
    }

    /**
     * The floor on etcd: one transaction that creates the key with a random token and a lease if
     * it is absent, and one that deletes it only if it still holds that token (compare-and-delete,
     * as RawRedis releases). The lease is granted once (a session), as a lock built for speed would do.
     */
    static final class RawEtcd implements Candidate {
        private final Client client;
        private final ByteSequence key;
        private final long lease;
        private ByteSequence token;

        RawEtcd(Client client, String key) {
            this.client = client;
            this.key = ByteSequence.from(key, StandardCharsets.UTF_8);
            this.lease = grantLease(client);
        }

        @Override
        public void lock() throws Exception {
            while (!tryLock()) {
                Thread.onSpinWait();
            }
        }

        @Override
        public boolean tryLock() throws Exception {
            ByteSequence t = ByteSequence.from(UUID.randomUUID().toString(), StandardCharsets.UTF_8);
            TxnResponse r = client.getKVClient().txn()
                    .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(Op.put(key, t, PutOption.builder().withLeaseId(lease).build()))
                    .commit().get(10, TimeUnit.SECONDS);
            if (r.isSucceeded()) {
                token = t;
            }
            return r.isSucceeded();
        }

        @Override
        public void unlock() throws Exception {
            client.getKVClient().txn()
                    .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(token)))
                    .Then(Op.delete(key, io.etcd.jetcd.options.DeleteOption.DEFAULT))
                    .commit().get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            revokeLease(client, lease);
        }
    }

    /** jetcd's own Lock client (etcd's lock service) with one shared lease. */
    static final class JetcdLock implements Candidate {
        private final Client client;
        private final ByteSequence name;
        private final long lease;
        private ByteSequence owner;

        JetcdLock(Client client, String name) {
            this.client = client;
            this.name = ByteSequence.from(name, StandardCharsets.UTF_8);
            this.lease = grantLease(client);
        }

        @Override
        public void lock() throws Exception {
            LockResponse r = client.getLockClient().lock(name, lease).get(60, TimeUnit.SECONDS);
            owner = r.getKey();
        }

        @Override
        public boolean tryLock() throws Exception {
            lock();
            return true;
        }

        @Override
        public void unlock() throws Exception {
            client.getLockClient().unlock(owner).get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            revokeLease(client, lease);
        }
    }
}
