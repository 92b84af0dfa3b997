package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.distlock.DistributedLock;
import io.distlock.DistributedReadWriteLock;
import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.testing.TestCertificates;
import io.distlock.testing.TlsRefusals;
import io.distlock.testing.TlsServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;

/**
 * Redis over TLS, on a real server that accepts TLS only, with certificates made at test time:
 * the locks, their release notifications and the read/write locks work over TLS; a client that
 * does not trust the server's certificate, or a server whose certificate (signed by a trusted CA)
 * names another host, fails at once with a permanent error naming the server and leaves no
 * factory behind; a plain-text client is refused within its retries.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisTlsTest {

    private static TestCertificates certs;
    private static TlsServer server;

    @BeforeAll
    static void start() {
        certs = TestCertificates.create();
        server = TlsServer.redis(certs, port -> {
            try (Jedis j = new Jedis(new HostAndPort("127.0.0.1", port), config(certs.caCertificate()))) {
                return "PONG".equals(j.ping());
            } catch (RuntimeException notYet) {
                return false;
            }
        });
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static JedisClientConfig config(Path trustedCa) {
        return DefaultJedisClientConfig.builder().ssl(true).sslSocketFactory(TestCertificates.trusting(trustedCa))
                .timeoutMillis(2_000).build();
    }

    private static RedisLockFactory.Builder builder(JedisClientConfig config) {
        return RedisLockFactory.builder().hostAndPort("127.0.0.1", server.port()).clientConfig(config)
                .keyPrefix("tls:");
    }

    @Test
    void locksNotificationsAndReadWriteLocksWorkOverTls() throws Exception {
        try (RedisLockFactory a = builder(config(certs.caCertificate())).verifyOnBuild(true).build();
             RedisLockFactory b = builder(config(certs.caCertificate())).build()) {
            DistributedLock held = a.getLock("tls");
            held.lock();
            long first = held.getFencingToken();
            CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
                DistributedLock lock = b.getLock("tls");
                try {
                    assertThat(lock.tryLock(30, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                try {
                    return lock.getFencingToken();
                } finally {
                    lock.unlock();
                }
            });
            try (Jedis admin = new Jedis(new HostAndPort("127.0.0.1", server.port()), config(certs.caCertificate()))) {
                // the waiter listens for the release over its own TLS connection
                await().atMost(Duration.ofSeconds(10)).until(() -> admin.pubsubNumPat() >= 1);
            }
            long releasedAt = System.nanoTime();
            held.unlock();
            assertThat(waiter.get(30, TimeUnit.SECONDS)).isGreaterThan(first);
            // woken by the announcement, not by the 30 s lease running out
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - releasedAt)).isLessThan(10_000);
            DistributedReadWriteLock rw = a.getReadWriteLock("tls-rw");
            rw.writeLock().lock();
            assertThat(b.getReadWriteLock("tls-rw").readLock().tryLock()).isFalse();
            rw.writeLock().unlock();
            assertThat(held.isLocked()).isFalse();
        }
        try (Jedis admin = new Jedis(new HostAndPort("127.0.0.1", server.port()), config(certs.caCertificate()))) {
            assertThat(admin.keys("tls:*")).as("nothing left but bookkeeping that expires")
                    .allMatch(k -> RedisTestSupport.expiring(k) && admin.pttl(k) > 0);
        }
    }

    @Test
    void aClientThatDoesNotTrustTheServerFailsAtOnceNamingItAndLeavesNoFactory() {
        // no retries (the default 8 and their pauses take about 4.5 s)
        TlsRefusals.assertRefusedAtOnce(() -> builder(config(certs.otherCaCertificate())).verifyOnBuild(true).build(),
                "127.0.0.1:" + server.port(), null, 3_000);
    }

    @Test
    void aServerWhoseCertificateNamesAnotherHostIsRefusedAtOnce() {
        Path[] otherHost = certs.otherHostCertificateAndKey();
        // the certificate is signed by the trusted CA; only the name it carries is wrong
        try (TlsServer impostor = TlsServer.redis(certs, otherHost[0], otherHost[1], TlsServer::accepts)) {
            TlsRefusals.assertRefusedAtOnce(() -> RedisLockFactory.builder().hostAndPort("127.0.0.1", impostor.port())
                            .clientConfig(config(certs.caCertificate())).keyPrefix("tls:").verifyOnBuild(true).build(),
                    "127.0.0.1:" + impostor.port(), TlsRefusals.NOT_NAMING_THE_ADDRESS, 3_000);
        }
    }

    @Test
    void aPlainTextClientIsRefusedWithinItsRetries() {
        long start = System.nanoTime();
        LockOptions quick = LockOptions.builder().retryCount(1).retryDelay(Duration.ofMillis(50)).build();
        assertThatThrownBy(() -> builder(DefaultJedisClientConfig.builder().timeoutMillis(1_000).build())
                .options(quick).verifyOnBuild(true).build())
                .isInstanceOf(LockBackendException.class)
                .hasMessageContaining("127.0.0.1:" + server.port());
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(15_000);
    }
}
