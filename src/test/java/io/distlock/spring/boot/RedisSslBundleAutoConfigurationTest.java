package io.distlock.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distlock.DistributedLock;
import io.distlock.LockBackendException;
import io.distlock.redis.RedisLockFactory;
import io.distlock.testing.TestCertificates;
import io.distlock.testing.TlsRefusals;
import io.distlock.testing.TlsServer;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;

/**
 * The Boot auto-configuration's mapping of {@code spring.data.redis.ssl.bundle}, against real
 * redis-servers that accept TLS only, with certificates made at test time: a PEM bundle that
 * trusts the test CA takes and releases a lock over TLS; a bundle that trusts another CA is
 * refused with a permanent error naming the refused certificate, and so is a server whose
 * certificate, signed by the trusted CA, names another host (Spring Boot's own Jedis connection
 * would not check the name; the factory does); the bundle's enabled protocols
 * reach the socket (a protocol the server does not speak fails); its key is the client
 * certificate a server that asks for one accepts (and without it the server refuses); a bundle
 * name with no such bundle, or with no SslBundles in the context, fails the context naming the
 * bundle.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisSslBundleAutoConfigurationTest {

    private static TestCertificates certs;
    private static TlsServer server;
    private static TlsServer askingForCertificates;
    private static TlsServer namingAnotherHost;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class,
                    DistributedLockAutoConfiguration.class));

    @BeforeAll
    static void start() {
        certs = TestCertificates.create();
        server = TlsServer.redis(certs, port -> answers(port, config(null)));
        askingForCertificates = TlsServer.redisAskingForClientCertificates(certs, port -> answers(port,
                config(clientCertificateContext())));
        Path[] otherHost = certs.otherHostCertificateAndKey();
        namingAnotherHost = TlsServer.redis(certs, otherHost[0], otherHost[1], TlsServer::accepts);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (askingForCertificates != null) {
            askingForCertificates.close();
        }
        if (namingAnotherHost != null) {
            namingAnotherHost.close();
        }
    }

    private static boolean answers(int port, JedisClientConfig config) {
        try (Jedis j = new Jedis(new HostAndPort("127.0.0.1", port), config)) {
            return "PONG".equals(j.ping());
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    /** TLS trusting the test CA, with the given context (a client certificate) or none. */
    @SuppressWarnings("deprecation") // DefaultJedisClientConfig.Builder.ssl(boolean), as the library uses it
    private static JedisClientConfig config(SSLContext withKey) {
        SSLSocketFactory factory = withKey != null ? withKey.getSocketFactory()
                : TestCertificates.trusting(certs.caCertificate());
        return DefaultJedisClientConfig.builder().ssl(true).sslSocketFactory(factory).timeoutMillis(2_000).build();
    }

    /** The client certificate (the server's, which is also for client authentication) through a Boot PEM bundle. */
    private static SSLContext clientCertificateContext() {
        org.springframework.boot.ssl.pem.PemSslStoreDetails key = org.springframework.boot.ssl.pem.PemSslStoreDetails
                .forCertificate(location(certs.serverCertificate())).withPrivateKey(location(certs.serverKey()));
        org.springframework.boot.ssl.pem.PemSslStoreDetails trust = org.springframework.boot.ssl.pem.PemSslStoreDetails
                .forCertificate(location(certs.caCertificate()));
        return org.springframework.boot.ssl.SslBundle.of(
                new org.springframework.boot.ssl.pem.PemSslStoreBundle(key, trust)).createSslContext();
    }

    private static String location(Path file) {
        return "file:" + file.toAbsolutePath();
    }

    private ApplicationContextRunner on(TlsServer target, String... more) {
        return runner.withPropertyValues("spring.data.redis.host=127.0.0.1",
                "spring.data.redis.port=" + target.port(), "spring.data.redis.ssl.bundle=redis",
                "spring.data.redis.timeout=2s", "distlock.key-prefix=boot-tls-" + UUID.randomUUID() + ":")
                .withPropertyValues(more);
    }

    @Test
    void aBundleTrustingTheTestCaTakesAndReleasesALockOverTls() {
        on(server, "spring.ssl.bundle.pem.redis.truststore.certificate=" + location(certs.caCertificate()))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RedisLockFactory factory = context.getBean(RedisLockFactory.class);
                    DistributedLock lock = factory.getLock("tls");
                    assertThat(lock.tryLock(10, TimeUnit.SECONDS)).isTrue();
                    String key = factory.keyPrefix() + "{tls}";
                    try (Jedis admin = new Jedis(new HostAndPort("127.0.0.1", server.port()), config(null))) {
                        assertThat(admin.exists(key)).as("the lease, on the TLS server").isTrue();
                        lock.unlock();
                        assertThat(admin.exists(key)).as("released").isFalse();
                    }
                });
    }

    @Test
    void aBundleThatDoesNotTrustTheServersCaIsRefusedNamingTheCertificate() {
        on(server, "spring.ssl.bundle.pem.redis.truststore.certificate=" + location(certs.otherCaCertificate()))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    DistributedLock lock = context.getBean(RedisLockFactory.class).getLock("untrusted");
                    assertThatThrownBy(lock::tryLock).isInstanceOf(LockBackendException.class)
                            .hasMessageContaining("TLS certificate was refused")
                            .matches(e -> ((LockBackendException) e).isPermanent(), "is permanent");
                });
    }

    @Test
    void aServerWhoseCertificateNamesAnotherHostIsRefused() {
        on(namingAnotherHost, "spring.ssl.bundle.pem.redis.truststore.certificate=" + location(certs.caCertificate()))
                .run(context -> {
                    DistributedLock lock = context.getBean(RedisLockFactory.class).getLock("other-host");
                    assertThatThrownBy(lock::tryLock).isInstanceOf(LockBackendException.class)
                            .hasMessageContaining(TlsRefusals.NOT_NAMING_THE_ADDRESS)
                            .matches(e -> ((LockBackendException) e).isPermanent(), "is permanent");
                });
    }

    @Test
    void theBundlesEnabledProtocolsReachTheSocket() {
        String ca = "spring.ssl.bundle.pem.redis.truststore.certificate=" + location(certs.caCertificate());
        on(server, ca, "spring.ssl.bundle.pem.redis.options.enabled-protocols=TLSv1.2").run(context -> {
            DistributedLock lock = context.getBean(RedisLockFactory.class).getLock("tls12");
            assertThat(lock.tryLock()).isTrue();
            lock.unlock();
        });
        // redis-server speaks TLS 1.2 and 1.3 only; the JDK disables 1.1 too: no handshake
        on(server, ca, "spring.ssl.bundle.pem.redis.options.enabled-protocols=TLSv1.1").run(context -> {
            DistributedLock lock = context.getBean(RedisLockFactory.class).getLock("tls11");
            assertThatThrownBy(lock::tryLock).isInstanceOf(LockBackendException.class);
            assertThat(lock.isHeldByCurrentThread()).isFalse();
        });
    }

    @Test
    void theBundlesKeyIsTheClientCertificate() {
        String ca = "spring.ssl.bundle.pem.redis.truststore.certificate=" + location(certs.caCertificate());
        on(askingForCertificates, ca,
                "spring.ssl.bundle.pem.redis.keystore.certificate=" + location(certs.serverCertificate()),
                "spring.ssl.bundle.pem.redis.keystore.private-key=" + location(certs.serverKey())).run(context -> {
                    assertThat(context).hasNotFailed();
                    DistributedLock lock = context.getBean(RedisLockFactory.class).getLock("mutual");
                    assertThat(lock.tryLock(10, TimeUnit.SECONDS)).isTrue();
                    lock.unlock();
                });
        on(askingForCertificates, ca).run(context -> {
            DistributedLock lock = context.getBean(RedisLockFactory.class).getLock("no-certificate");
            assertThatThrownBy(lock::tryLock).as("the server asks for a certificate the bundle has not")
                    .isInstanceOf(LockBackendException.class);
        });
    }

    @Test
    void aBundleNameThatNamesNoBundleFailsTheContextNamingIt() {
        on(server, "spring.ssl.bundle.pem.other.truststore.certificate=" + location(certs.caCertificate()))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(Failures.outermost(context.getStartupFailure(), IllegalStateException.class))
                            .hasMessageContaining("spring.data.redis.ssl.bundle")
                            .hasMessageContaining("'redis'")
                            .hasMessageContaining("not defined");
                });
    }

    @Test
    void aBundleNameWithoutSslBundlesInTheContextFailsItNamingTheBundle() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DistributedLockAutoConfiguration.class))
                .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + server.port(),
                        "spring.data.redis.ssl.bundle=redis")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(Failures.outermost(context.getStartupFailure(), IllegalStateException.class))
                            .hasMessageContaining("spring.data.redis.ssl.bundle")
                            .hasMessageContaining("'redis'")
                            .hasMessageContaining("no SslBundles");
                });
    }
}
