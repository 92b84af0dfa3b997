package io.distlock.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.distlock.DistributedLock;
import io.distlock.DistributedReadWriteLock;
import io.distlock.testing.TestCertificates;
import io.distlock.testing.TlsRefusals;
import io.distlock.testing.TlsServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * etcd over TLS, on a real server whose client URL is https only, with certificates made at test
 * time: both flavours and the read/write locks work, a waiter is woken over the TLS watch; a
 * client that does not trust the server's certificate, or a server whose certificate (signed by a
 * trusted CA) names another host, fails at once with a permanent error naming the server, and
 * leaves no factory behind.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdTlsTest {

    private static TestCertificates certs;
    private static TlsServer server;

    @BeforeAll
    static void start() {
        certs = TestCertificates.create();
        server = TlsServer.etcd(certs);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static ClientBuilder clientBuilder(Path trustedCa, String endpoint) {
        try {
            return Client.builder().endpoints(endpoint).sslContext(b -> b.trustManager(trustedCa.toFile()));
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static EtcdLockFactory.Builder builder(Path trustedCa, EtcdFlavour flavour) {
        return EtcdLockFactory.builder().clientBuilder(clientBuilder(trustedCa, server.httpsEndpoint()))
                .keyPrefix("tls/").flavour(flavour).requestTimeout(Duration.ofSeconds(2));
    }

    @ParameterizedTest
    @EnumSource(EtcdFlavour.class)
    void locksWatchesAndReadWriteLocksWorkOverTls(EtcdFlavour flavour) throws Exception {
        try (EtcdLockFactory a = builder(certs.caCertificate(), flavour).verifyOnBuild(true).build();
             EtcdLockFactory b = builder(certs.caCertificate(), flavour).build()) {
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
            await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(() -> !waiter.isDone());
            long releasedAt = System.nanoTime();
            held.unlock();
            assertThat(waiter.get(30, TimeUnit.SECONDS)).isGreaterThan(first);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - releasedAt)).isLessThan(10_000);
            DistributedReadWriteLock rw = a.getReadWriteLock("tls-rw");
            rw.writeLock().lock();
            assertThat(b.getReadWriteLock("tls-rw").readLock().tryLock()).isFalse();
            rw.writeLock().unlock();
        }
        try (Client admin = clientBuilder(certs.caCertificate(), server.httpsEndpoint()).build()) {
            ByteSequence prefix = ByteSequence.from("tls/", StandardCharsets.UTF_8);
            assertThat(admin.getKVClient().get(prefix, GetOption.builder().isPrefix(true).build())
                    .get(10, TimeUnit.SECONDS).getKvs()).as("keys left under the prefix").isEmpty();
        }
    }

    /**
     * With {@code waitForReady(false)} jetcd reports the refused handshake on the first call; with
     * its default ({@code true}) the client keeps reconnecting and calls end by their timeout, so
     * the failure shows after the retries as a timeout (documented in {@link EtcdLockFactory}).
     */
    @Test
    void aClientThatDoesNotTrustTheServerFailsAtOnceNamingItAndLeavesNoFactory() {
        TlsRefusals.assertRefusedAtOnce(() -> refusingFactory(certs.otherCaCertificate(), server),
                "etcd at 127.0.0.1:" + server.port(), null, 5_000);
    }

    /** As above, for a server whose certificate the trusted CA signed but which names another host. */
    @Test
    void aServerWhoseCertificateNamesAnotherHostIsRefusedAtOnce() {
        Path[] otherHost = certs.otherHostCertificateAndKey();
        try (TlsServer impostor = TlsServer.etcd(certs, otherHost[0], otherHost[1], TlsServer::accepts)) {
            TlsRefusals.assertRefusedAtOnce(() -> refusingFactory(certs.caCertificate(), impostor),
                    "etcd at 127.0.0.1:" + impostor.port(), TlsRefusals.NOT_NAMING_THE_ADDRESS, 5_000);
        }
    }

    private static EtcdLockFactory refusingFactory(Path trustedCa, TlsServer at) {
        // jetcd's own retries off: a refused handshake is UNAVAILABLE, which jetcd retries for
        // about 1.5 s by default, close to the 2 s request timeout (a timeout then hid the cause)
        return EtcdLockFactory.builder().clientBuilder(clientBuilder(trustedCa, at.httpsEndpoint()).waitForReady(false)
                .retryMaxAttempts(0))
                .keyPrefix("tls/").requestTimeout(Duration.ofSeconds(2)).verifyOnBuild(true).build();
    }
}
