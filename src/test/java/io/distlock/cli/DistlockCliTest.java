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
            case "redis":
            case "redis-fair": {
                String hp = redis.first().host() + ":" + redis.first().port();
                LockOptions chosen = kind.equals("redis-fair") ? options.toBuilder().fair(true).build() : options;
                return new Target(List.of("--redis", hp, "--key-prefix", prefix), () -> RedisLockFactory.builder()
                        .hostAndPort(redis.first().host(), redis.first().port()).keyPrefix(prefix).options(chosen).build());
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

    /**
     * The case the command is for: the holder is another JVM that stopped answering (SIGSTOP),
     * with 25 s of its lease left. The operator inspects the lock, frees it naming that holder,
     * and a waiter here gets it at once with a higher fencing token; when the frozen JVM wakes up
     * and unlocks, it is told its lease was lost, and the new holder keeps the lock.
     */
    @ParameterizedTest
    @ValueSource(strings = {"redis", "etcd-transaction", "etcd-lock-service"})
    void forceReleaseFreesTheLockOfAFrozenHolderProcess(String kind) throws Exception {
        String prefix = kind.startsWith("etcd") ? "cli/" + UUID.randomUUID() + "/" : "cli:" + UUID.randomUUID() + ":";
        Target t = target(kind, prefix);
        String spec = kind.equals("redis") ? "redis:" + redis.first().host() + ":" + redis.first().port()
                : (kind.equals("etcd-transaction") ? "etcd-txn:" : "etcd-lock-service:")
                        + String.join(",", etcd.get().endpoints());
        try (io.distlock.testing.JvmProcess frozen = io.distlock.testing.JvmProcess.start(io.distlock.LockWorker.class,
                spec, prefix, "hold", "orders/9", Long.toString(LEASE.toMillis()));
             DistributedLockFactory here = t.factory().get()) {
            String locked = frozen.awaitLine("LOCKED", Duration.ofSeconds(60));
            long oldToken = Long.parseLong(locked.substring("LOCKED ".length()).trim());
            frozen.freeze();

            DistributedLock lock = here.getLock("orders/9");
            io.distlock.testing.Holder next = io.distlock.testing.Holder.start(lock, "cli-test-next-holder");
            io.distlock.testing.Waiter.awaitParked(next.thread());

            Run inspect = cli(args(t, "inspect", "orders/9"));
            assertThat(inspect.exit()).as(inspect.err()).isZero();
            String holder = line(inspect.out(), "holder:");
            long released = System.nanoTime();
            Run force = cli(args(t, "force-release", "orders/9", "--holder", holder));
            assertThat(force.exit()).as(force.err()).isZero();
            long tookAt = next.awaitAcquired(10);
            assertThat(Duration.ofNanos(tookAt - released)).as("the waiter got the lock long before the lease ran out")
                    .isLessThan(Duration.ofSeconds(3));
            assertThat(next.fencingToken()).as("fencing token after the forced release").isGreaterThan(oldToken);

            frozen.thaw();
            frozen.send("unlock");
            assertThat(frozen.awaitLine("LEASE_LOST", Duration.ofSeconds(30)))
                    .as("the woken holder is told its lease was lost").isNotNull();
            assertThat(frozen.waitFor(Duration.ofSeconds(30))).isZero();
            assertThat(lock.isLocked()).as("its unlock did not free the new holder's lock").isTrue();
            assertThat(next.release()).as("the new holder unlocks normally").isNull();
            assertThat(lock.isLocked()).isFalse();
        }
    }

    /** The first line of {@code out} that starts with {@code start}, without it, trimmed. */
    private static String line(String out, String start) {
        return out.lines().filter(l -> l.startsWith(start)).findFirst().orElseThrow(
                () -> new AssertionError("no line '" + start + "' in:\n" + out)).substring(start.length()).trim();
    }

    /**
     * A thread of {@code jvm} that takes the read or write lock {@code name}, says so with its
     * fencing token, holds it until {@code letGo}, then unlocks: the future of the unlock is
     * completed, exceptionally if it threw.
     */
    private static Thread holding(DistributedLockFactory jvm, String name, boolean write, CompletableFuture<Long> took,
                                  java.util.concurrent.CountDownLatch letGo, CompletableFuture<Void> unlocked) {
        Thread t = new Thread(() -> {
            DistributedLock l = write ? jvm.getReadWriteLock(name).writeLock() : jvm.getReadWriteLock(name).readLock();
            l.lock();
            took.complete(l.getFencingToken());
            try {
                letGo.await(30, TimeUnit.SECONDS);
                l.unlock();
                unlocked.complete(null);
            } catch (Throwable e) {
                unlocked.completeExceptionally(e);
            }
        }, "cli-test-" + (write ? "writer" : "reader"));
        t.setDaemon(true);
        t.start();
        return t;
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "redis-fair", "cluster", "sentinel", "etcd-transaction", "etcd-lock-service"})
    void forceReleaseOfReadWriteHoldersKeepsTheContract(String kind) throws Exception {
        String prefix = kind.startsWith("etcd") ? "cli/" + UUID.randomUUID() + "/" : "cli:" + UUID.randomUUID() + ":";
        Target t = target(kind, prefix);
        try (DistributedLockFactory writerJvm = t.factory().get(); DistributedLockFactory readerJvm = t.factory().get();
             DistributedLockFactory thirdJvm = t.factory().get()) {
            // a writer in one JVM; a reader in another waits for it
            DistributedLock write = writerJvm.getReadWriteLock("stock/7").writeLock();
            write.lock();
            long writeToken = write.getFencingToken();
            CompletableFuture<Long> readerTook = new CompletableFuture<>();
            CompletableFuture<Void> readerUnlocked = new CompletableFuture<>();
            java.util.concurrent.CountDownLatch readerLetGo = new java.util.concurrent.CountDownLatch(1);
            Thread reader = holding(readerJvm, "stock/7", false, readerTook, readerLetGo, readerUnlocked);
            io.distlock.testing.Waiter.awaitParked(reader);

            Run inspect = cli(args(t, "inspect", "stock/7"));
            assertThat(inspect.exit()).as(inspect.err()).isZero();
            assertThat(inspect.out()).contains("held:          no", "read/write:    held", "  readers: -");
            String writer = line(inspect.out(), "  writer:");
            assertThat(line(cli(args(t, "list", "--prefix", "stock/")).out(), "stock/7")).contains("writer " + writer);

            // the holder named is checked: nothing is released for a wrong one, nor a reader named for the writer
            Run wrong = cli(args(t, "force-release", "stock/7", "--read-write", "--holder", writer, "--holder", "nobody"));
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.err()).contains("is held by writer " + writer, "nothing released");
            Run twoExclusive = cli(args(t, "force-release", "stock/7", "--holder", "a", "--holder", "b"));
            assertThat(twoExclusive.exit()).isEqualTo(2);
            assertThat(twoExclusive.err()).contains("give --holder once");
            Run exclusive = cli(args(t, "force-release", "stock/7", "--any-holder"));
            assertThat(exclusive.exit()).as("the exclusive lock of the name is not held").isEqualTo(1);
            assertThat(write.isHeldByCurrentThread()).isTrue();
            assertThat(readerTook).isNotDone();

            long released = System.nanoTime();
            Run force = cli(args(t, "force-release", "stock/7", "--read-write", "--holder", writer));
            assertThat(force.exit()).as(force.err()).isZero();
            assertThat(force.out()).isEqualTo("released read/write lock 'stock/7': writer " + writer
                    + ", readers -; waiters woken" + System.lineSeparator());
            long readToken = readerTook.get(10, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - released)).as("the reader woke well before the lease")
                    .isLessThan(Duration.ofSeconds(3));
            assertThat(readToken).as("the fencing counter was kept").isGreaterThan(writeToken);
            assertThatThrownBy(write::unlock).isInstanceOf(LeaseLostException.class);

            // now a reader holds, and a writer in a third JVM waits for it: --any-holder frees the reader
            CompletableFuture<Long> writerTook = new CompletableFuture<>();
            CompletableFuture<Void> writerUnlocked = new CompletableFuture<>();
            java.util.concurrent.CountDownLatch writerLetGo = new java.util.concurrent.CountDownLatch(1);
            Thread waitingWriter = holding(thirdJvm, "stock/7", true, writerTook, writerLetGo, writerUnlocked);
            io.distlock.testing.Waiter.awaitParked(waitingWriter);
            Run readers = cli(args(t, "inspect", "stock/7"));
            String readerToken = line(readers.out(), "  readers:");
            assertThat(readerToken).doesNotContain(" ").isNotEqualTo("-");
            assertThat(line(readers.out(), "  writer:")).isEqualTo("-");
            if (kind.startsWith("etcd")) {
                assertThat(line(readers.out(), "  read-write-queue:")).startsWith("w/");
            } else if (kind.equals("redis-fair")) {
                // the waiting writer's place in the fair queue: kind, then token
                assertThat(line(readers.out(), "  read-write-queue:")).startsWith("w");
            }
            Run anyHolder = cli(args(t, "force-release", "stock/7", "--read-write", "--any-holder"));
            assertThat(anyHolder.exit()).as(anyHolder.err()).isZero();
            assertThat(anyHolder.out()).contains("writer -, readers " + readerToken + ";");
            assertThat(writerTook.get(10, TimeUnit.SECONDS)).isGreaterThan(readToken);
            readerLetGo.countDown();
            assertThatThrownBy(() -> readerUnlocked.get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(LeaseLostException.class);
            writerLetGo.countDown();
            writerUnlocked.get(10, TimeUnit.SECONDS);

            Run again = cli(args(t, "force-release", "stock/7", "--read-write", "--any-holder"));
            assertThat(again.exit()).isEqualTo(1);
            assertThat(again.err()).contains("read/write lock 'stock/7' is not held");
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
