package io.distlock.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distlock.DistributedLock;
import io.distlock.DistributedLockFactory;
import io.distlock.LeaseLostException;
import io.distlock.LockOptions;
import io.distlock.etcd.EtcdFlavour;
import io.distlock.etcd.EtcdLockFactory;
import io.distlock.redis.RedisLockFactory;
import io.distlock.testing.EtcdServers;
import io.distlock.testing.RedisClusters;
import io.distlock.testing.RedisSentinels;
import io.distlock.testing.RedisServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The operators' command line, run in this JVM (picocli's execute, output captured) against real
 * servers: a single Redis, a Redis Cluster, a Redis primary behind Sentinels, and etcd in both
 * flavours.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DistlockCliTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);
    @RegisterExtension
    static final RedisClusters cluster = RedisClusters.shared();
    @RegisterExtension
    static final RedisSentinels sentinel = RedisSentinels.start(1, 3, Duration.ofSeconds(5));
    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    /** A lease far longer than any wake-up the test waits for. */
    private static final Duration LEASE = Duration.ofSeconds(30);

    record Run(int exit, String out, String err) {
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = DistlockCli.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** The server options for the command line, and a factory on the same server and prefix. */
    private record Target(List<String> args, java.util.function.Supplier<DistributedLockFactory> factory) {
    }

    private static Target target(String kind, String prefix) {
        LockOptions options = LockOptions.builder().leaseTime(LEASE).build();
        switch (kind) {
            case "redis": {
                String hp = redis.first().host() + ":" + redis.first().port();
                return new Target(List.of("--redis", hp, "--key-prefix", prefix), () -> RedisLockFactory.builder()
                        .hostAndPort(redis.first().host(), redis.first().port()).keyPrefix(prefix).options(options).build());
            }
            case "cluster":
                return new Target(List.of("--redis-cluster", String.join(",", cluster.cluster().seeds()), "--key-prefix", prefix),
                        () -> RedisLockFactory.builder().clusterNodes(cluster.cluster().hostsAndPorts())
                                .keyPrefix(prefix).options(options).build());
            case "sentinel": {
                String sentinels = sentinel.sentinels().stream().map(h -> h.getHost() + ":" + h.getPort())
                        .collect(Collectors.joining(","));
                return new Target(List.of("--sentinel", RedisSentinels.MASTER_NAME + "@" + sentinels, "--key-prefix", prefix),
                        () -> RedisLockFactory.builder().sentinel(RedisSentinels.MASTER_NAME, sentinel.sentinels())
                                .keyPrefix(prefix).options(options).build());
            }
            default: {
                EtcdFlavour flavour = kind.equals("etcd-lock-service") ? EtcdFlavour.LOCK_SERVICE : EtcdFlavour.TRANSACTION;
                List<String> endpoints = etcd.get().endpoints();
                return new Target(List.of("--etcd", String.join(",", endpoints), "--etcd-flavour",
                        flavour.name().toLowerCase(java.util.Locale.ROOT), "--key-prefix", prefix),
                        () -> EtcdLockFactory.builder().endpoints(endpoints.toArray(String[]::new)).flavour(flavour)
                                .keyPrefix(prefix).options(options).build());
            }
        }
    }

    private static String[] args(Target t, String... command) {
        List<String> all = new ArrayList<>(t.args());
        all.addAll(List.of(command));
        return all.toArray(String[]::new);
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "cluster", "sentinel", "etcd-transaction", "etcd-lock-service"})
    void listInspectAndForceReleaseKeepTheContract(String kind) throws Exception {
        String prefix = kind.startsWith("etcd") ? "cli/" + UUID.randomUUID() + "/" : "cli:" + UUID.randomUUID() + ":";
        Target t = target(kind, prefix);
        try (DistributedLockFactory holderJvm = t.factory().get(); DistributedLockFactory waiterJvm = t.factory().get()) {
            DistributedLock held = holderJvm.getLock("orders/42");
            held.lock();
            long oldToken = held.getFencingToken();
            DistributedLock other = holderJvm.getLock("invoices");
            other.lock();
            // a waiter in another factory ("another JVM")
            CompletableFuture<Long> waiter = new CompletableFuture<>();
            java.util.concurrent.CountDownLatch letGo = new java.util.concurrent.CountDownLatch(1);
            Thread w = new Thread(() -> {
                DistributedLock l = waiterJvm.getLock("orders/42");
                l.lock();
                long woke = System.nanoTime();
                waiter.complete(woke);
                try {
                    letGo.await(30, TimeUnit.SECONDS);   // holds while the old holder's unlock is checked
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                l.unlock();
            }, "cli-test-waiter");
            w.start();
            io.distlock.testing.Waiter.awaitParked(w);   // waiting for the holder, seen by the server

            Run list = cli(args(t, "list", "--prefix", "orders/"));
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out()).contains("NAME", "HOLDER", "orders/42").doesNotContain("invoices");
            String row = list.out().lines().filter(l -> l.startsWith("orders/42")).findFirst().orElseThrow();
            if (!kind.equals("etcd-lock-service")) {
                assertThat(row).contains(Long.toString(oldToken));
            }
            assertThat(row).containsPattern("\\s(2\\d|30)\\.\\ds\\s");   // the lease left, of 30 s
            Run all = cli(args(t, "list"));
            assertThat(all.out()).contains("orders/42", "invoices");

            Run inspect = cli(args(t, "inspect", "orders/42"));
            assertThat(inspect.exit()).as(inspect.err()).isZero();
            assertThat(inspect.out()).contains("held:          yes", "holder:", "lease left:", "since:");
            if (kind.startsWith("etcd")) {
                assertThat(inspect.out()).contains("revision");
            } else {
                // the fencing token is the server's clock at the acquisition
                assertThat(inspect.out()).contains("fencing token: " + oldToken, " ago)", "waiting: ");
            }
            if (kind.equals("etcd-lock-service")) {
                assertThat(inspect.out()).contains("lock-service-queue: lease ");
            }

            String holder = inspect.out().lines().filter(l -> l.startsWith("holder:")).findFirst().orElseThrow()
                    .substring("holder:".length()).trim();
            // a forced release names the holder it means: another holder is never released
            Run wrong = cli(args(t, "force-release", "orders/42", "--holder", "somebody-else"));
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.err()).contains("is held by " + holder, "nothing released");
            assertThat(cli(args(t, "force-release", "orders/42")).exit()).as("no holder named").isEqualTo(2);
            assertThat(held.isHeldByCurrentThread()).isTrue();

            long released = System.nanoTime();
            Run force = cli(args(t, "force-release", "orders/42", "--holder", holder));
            assertThat(force.exit()).as(force.err()).isZero();
            assertThat(force.out()).startsWith("released 'orders/42': holder ");
            long woke = waiter.get(10, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(woke - released)).as("the waiter woke well before the lease")
                    .isLessThan(Duration.ofSeconds(3));

            // the old holder's token owns nothing: its unlock says the lease was lost
            assertThatThrownBy(held::unlock).isInstanceOf(LeaseLostException.class);
            letGo.countDown();
            w.join(10_000);

            DistributedLock next = holderJvm.getLock("orders/42");
            next.lock();
            assertThat(next.getFencingToken()).as("the fencing counter was kept").isGreaterThan(oldToken);
            next.unlock();

            Run again = cli(args(t, "force-release", "orders/42", "--any-holder"));
            assertThat(again.exit()).isEqualTo(1);
            assertThat(again.err()).contains("lock 'orders/42' is not held");
            assertThat(cli(args(t, "inspect", "orders/42")).out()).contains("held:          no");
            other.unlock();
        }
    }

    @Test
    void badUsageExitsWithTwoAndTheUsageOnStandardError() {
        Run none = cli("list");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("Missing required argument", "Usage: distlock");
        assertThat(none.out()).isEmpty();

        Run badAddress = cli("--redis", "localhost", "list");
        assertThat(badAddress.exit()).isEqualTo(2);
        assertThat(badAddress.err()).contains("--redis wants HOST:PORT, was 'localhost'", "Usage:");

        Run two = cli("--redis", "a:1", "--etcd", "http://b:2", "list");
        assertThat(two.exit()).isEqualTo(2);
        assertThat(two.err()).contains("mutually exclusive");

        Run unknown = cli("--redis", "127.0.0.1:6379", "frobnicate");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("frobnicate");

        Run noCommand = cli("--redis", "127.0.0.1:6379");
        assertThat(noCommand.exit()).isEqualTo(2);
        assertThat(noCommand.err()).contains("missing a command");

        Run noName = cli("--redis", "127.0.0.1:6379", "inspect");
        assertThat(noName.exit()).isEqualTo(2);
        assertThat(noName.err()).contains("Missing required parameter: 'NAME'");

        Run help = cli("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Usage: distlock", "list", "inspect", "force-release", "Exit codes");
    }

    @Test
    void anUnreachableServerFailsWithOneAndSaysWhere() {
        Run r = cli("--redis", "127.0.0.1:1", "list");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("distlock: ").contains("127.0.0.1:1");
        assertThat(r.out()).isEmpty();
    }
}
