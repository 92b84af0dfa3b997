package io.distlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.DistributedLock;
import io.distlock.etcd.EtcdLockFactory;
import io.distlock.redis.RedisLockFactory;
import io.distlock.testing.EtcdServers;
import io.distlock.testing.RedisServers;
import io.distlock.testing.TestCertificates;
import io.distlock.testing.TlsServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * The command line's credentials and TLS options on real servers: a Redis ACL user whose password
 * comes from an environment variable or a file, a Redis that speaks TLS only, an etcd that speaks
 * TLS only (certificates made at test time); wrong passwords and untrusted certificates fail with
 * exit 1 and say why, bad combinations of options with exit 2.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DistlockCliAccessTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);
    /** An etcd of its own: authentication is enabled on it. */
    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    private static TestCertificates certs;
    private static TlsServer redisTls;
    private static TlsServer etcdTls;

    @TempDir
    static Path dir;

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @BeforeAll
    static void start() throws Exception {
        try (Client admin = Client.builder().endpoints(etcd.get().endpoints().toArray(String[]::new)).build()) {
            var auth = admin.getAuthClient();
            auth.roleAdd(bytes("root")).get(10, TimeUnit.SECONDS);
            auth.userAdd(bytes("root"), bytes("rootpw")).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
            auth.roleAdd(bytes("operator")).get(10, TimeUnit.SECONDS);
            auth.roleGrantPermission(bytes("operator"), bytes("lock/"), bytes("lock0"),
                    io.etcd.jetcd.auth.Permission.Type.READWRITE).get(10, TimeUnit.SECONDS);
            auth.userAdd(bytes("operator"), bytes("s3cret")).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes("operator"), bytes("operator")).get(10, TimeUnit.SECONDS);
            auth.authEnable().get(10, TimeUnit.SECONDS);
        }
        try (Jedis admin = new Jedis(redis.first().host(), redis.first().port())) {
            admin.aclSetUser("operator", "on", ">s3cret", "~*", "&*", "+@all");
        }
        certs = TestCertificates.create();
        redisTls = TlsServer.redis(certs, port -> {
            try (Jedis j = new Jedis(new HostAndPort("127.0.0.1", port), tls(certs.caCertificate()))) {
                return "PONG".equals(j.ping());
            } catch (RuntimeException notYet) {
                return false;
            }
        });
        etcdTls = TlsServer.etcd(certs);
    }

    @AfterAll
    static void stop() {
        if (redisTls != null) {
            redisTls.close();
        }
        if (etcdTls != null) {
            etcdTls.close();
        }
    }

    private static DefaultJedisClientConfig tls(Path ca) {
        return DefaultJedisClientConfig.builder().ssl(true).sslSocketFactory(TestCertificates.trusting(ca))
                .timeoutMillis(2_000).build();
    }

    private static Client etcdClient(String endpoint) {
        try {
            return Client.builder().endpoints(endpoint).sslContext(b -> b.trustManager(certs.caCertificate().toFile()))
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    record Run(int exit, String out, String err) {
    }

    static Run cli(Map<String, String> env, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = DistlockCli.execute(env::get, new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private static List<String> with(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void aRedisAclUserWithThePasswordFromTheEnvironmentOrAFile() throws Exception {
        String hp = redis.first().host() + ":" + redis.first().port();
        Path file = Files.writeString(dir.resolve("password"), "s3cret\n");
        Path wrongFile = Files.writeString(dir.resolve("wrong"), "guess\n");
        try (RedisLockFactory f = RedisLockFactory.builder().hostAndPort(redis.first().host(), redis.first().port())
                .clientConfig(DefaultJedisClientConfig.builder().user("operator").password("s3cret").build())
                .keyPrefix("acl:").build()) {
            DistributedLock held = f.getLock("orders/1");
            held.lock();
            List<String> base = List.of("--redis", hp, "--key-prefix", "acl:", "--user", "operator");

            Run env = cli(Map.of("OPS_PW", "s3cret"), with(base, "--password-env", "OPS_PW", "list"));
            assertThat(env.exit()).as(env.err()).isZero();
            assertThat(env.out()).contains("orders/1");
            Run fromFile = cli(Map.of(), with(base, "--password-file", file.toString(), "inspect", "orders/1"));
            assertThat(fromFile.exit()).as(fromFile.err()).isZero();
            assertThat(fromFile.out()).contains("held:          yes");

            Run wrong = cli(Map.of(), with(base, "--password-file", wrongFile.toString(), "list"));
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.err()).startsWith("distlock: ").containsIgnoringCase("password");
            assertThat(wrong.out()).isEmpty();
            held.unlock();
        }
    }

    @Test
    void anEtcdUserWithThePasswordFromTheEnvironment() {
        String endpoints = String.join(",", etcd.get().endpoints());
        try (EtcdLockFactory f = EtcdLockFactory.builder().clientBuilder(Client.builder()
                .endpoints(etcd.get().endpoints().toArray(String[]::new)).user(bytes("operator")).password(bytes("s3cret")))
                .build()) {
            DistributedLock held = f.getLock("orders/4");
            held.lock();
            List<String> base = List.of("--etcd", endpoints, "--user", "operator", "--password-env", "OPS_PW");
            Run ok = cli(Map.of("OPS_PW", "s3cret"), with(base, "inspect", "orders/4"));
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("held:          yes");

            Run wrong = cli(Map.of("OPS_PW", "guess"), with(base, "list"));
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.err()).startsWith("distlock: ").containsIgnoringCase("password");
            Run anonymous = cli(Map.of(), List.of("--etcd", endpoints, "list"));
            assertThat(anonymous.exit()).as("authentication is on").isEqualTo(1);
            held.unlock();
        }
    }

    @Test
    void badCombinationsOfAccessOptionsExitWithTwoAndSayWhy() throws Exception {
        Path file = Files.writeString(dir.resolve("pw"), "x\n");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        String r = "127.0.0.1:6379";
        assertUsage(Map.of(), "--user ops needs a password", "--redis", r, "--user", "ops", "list");
        assertUsage(Map.of(), "--password-env NOPE: the environment variable is not set",
                "--redis", r, "--password-env", "NOPE", "list");
        assertUsage(Map.of("PW", "x"), "give the password one way",
                "--redis", r, "--password-env", "PW", "--password-file", file.toString(), "list");
        assertUsage(Map.of(), "the first line is empty", "--redis", r, "--password-file", empty.toString(), "list");
        assertUsage(Map.of(), "cannot read it", "--redis", r, "--password-file", dir.resolve("absent").toString(), "list");
        assertUsage(Map.of(), "--cacert is for a TLS connection: add --tls",
                "--redis", r, "--cacert", certs.caCertificate().toString(), "list");
        assertUsage(Map.of(), "not a PEM CA certificate", "--redis", r, "--tls", "--cacert", file.toString(), "list");
        assertUsage(Map.of(), "--tls is for Redis", "--etcd", "http://127.0.0.1:2379", "--tls", "list");
        assertUsage(Map.of(), "--cacert is for TLS: give etcd https:// URLs",
                "--etcd", "http://127.0.0.1:2379", "--cacert", certs.caCertificate().toString(), "list");
        assertUsage(Map.of(), "every URL with https:// or none",
                "--etcd", "http://127.0.0.1:2379,https://127.0.0.1:2380", "list");
        assertUsage(Map.of("PW", "x"), "etcd needs --user", "--etcd", "http://127.0.0.1:2379", "--password-env", "PW", "list");

        Run help = cli(Map.of(), List.of("--help"));
        assertThat(help.out()).contains("--user=USER", "--password-env=VARIABLE", "--password-file=FILE", "--tls",
                "--cacert=FILE", "passwords never on the command line");
    }

    private static void assertUsage(Map<String, String> env, String message, String... args) {
        Run r = cli(env, List.of(args));
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message, "Usage: distlock");
    }

    @Test
    void redisOverTlsTrustingTheCaGiven() {
        String hp = "127.0.0.1:" + redisTls.port();
        try (RedisLockFactory f = RedisLockFactory.builder().hostAndPort("127.0.0.1", redisTls.port())
                .clientConfig(tls(certs.caCertificate())).keyPrefix("tls:").build()) {
            DistributedLock held = f.getLock("orders/2");
            held.lock();
            Run ok = cli(Map.of(), List.of("--redis", hp, "--key-prefix", "tls:", "--tls", "--cacert",
                    certs.caCertificate().toString(), "list"));
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("orders/2");

            Run untrusted = cli(Map.of(), List.of("--redis", hp, "--tls", "--cacert",
                    certs.otherCaCertificate().toString(), "list"));
            assertThat(untrusted.exit()).isEqualTo(1);
            assertThat(untrusted.err()).startsWith("distlock: ").contains(hp);
            held.unlock();
        }
    }

    @Test
    void etcdOverTlsTrustingTheCaGiven() {
        Client client = etcdClient(etcdTls.httpsEndpoint());
        try (EtcdLockFactory f = EtcdLockFactory.builder().client(client).keyPrefix("tls/").build()) {
            DistributedLock held = f.getLock("orders/3");
            held.lock();
            Run ok = cli(Map.of(), List.of("--etcd", etcdTls.httpsEndpoint(), "--key-prefix", "tls/", "--cacert",
                    certs.caCertificate().toString(), "inspect", "orders/3"));
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("held:          yes");

            Run untrusted = cli(Map.of(), List.of("--etcd", etcdTls.httpsEndpoint(), "--cacert",
                    certs.otherCaCertificate().toString(), "list"));
            assertThat(untrusted.exit()).isEqualTo(1);
            assertThat(untrusted.err()).startsWith("distlock: ").contains("127.0.0.1:" + etcdTls.port());
            held.unlock();
        } finally {
            client.close();
        }
    }
}
