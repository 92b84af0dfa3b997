package io.distlock.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.DistributedLock;
import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.testing.EtcdServers;
import io.distlock.testing.ProcessControl;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The failure timings EtcdLockFactory documents, measured: on an endpoint with nothing listening,
 * {@code lock()} throws after at most {@code (retryCount + 1) × requestTimeout} and the pauses,
 * {@code tryLock()} and {@code verifyOnBuild} make one attempt (within one request timeout, on a
 * frozen server too), the message names the endpoint as given, and {@code lock()} still rides out
 * a restart of a few seconds.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EtcdUnreachableTest {

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    /** The retries' pauses with the default options, at most (before jitter). */
    private static final long DEFAULT_PAUSES_MILLIS = 50 + 100 + 200 + 400 + 800 + 1_000 + 1_000 + 1_000;
    /** The request timeout of these tests, short so that the worst case stays short. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
    /** Slack for a loaded 2-core machine. */
    private static final long MARGIN_MILLIS = 3_000;

    private final String prefix = "etcd-unreachable/" + UUID.randomUUID() + "/";
    private final String endpoint = "http://127.0.0.1:" + ProcessControl.freePort();
    private final List<EtcdLockFactory> factories = new CopyOnWriteArrayList<>();

    private EtcdLockFactory factory(EtcdLockFactory.Builder builder) {
        EtcdLockFactory f = builder.keyPrefix(prefix).requestTimeout(REQUEST_TIMEOUT).build();
        factories.add(f);
        return f;
    }

    @AfterEach
    void close() {
        factories.forEach(EtcdLockFactory::close);
    }

    /** What a call threw, and how long it took. */
    private record Outcome(Throwable thrown, long millis) {
    }

    private static Outcome timed(Supplier<?> call) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            Throwable thrown = null;
            try {
                call.get();
            } catch (Throwable t) {
                thrown = t;
            }
            return new Outcome(thrown, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }).get(150, TimeUnit.SECONDS);
    }

    /**
     * A clear exception: not permanent, naming the endpoint as given ({@code endpoints(...)}
     * keeps the URL; a client builder knows only the address), never jetcd's {@code ip:///}.
     */
    private void assertUnreachable(Throwable thrown, boolean asUrl) {
        assertThat(thrown).isInstanceOf(LockBackendException.class);
        assertThat(((LockBackendException) thrown).isPermanent()).isFalse();
        assertThat(thrown.getMessage()).contains(asUrl ? endpoint : endpoint.substring("http://".length()))
                .doesNotContain("ip:///");
    }

    /**
     * Nothing listening: every attempt is refused at once, so {@code lock()} throws after the
     * retries' pauses (about 4.5 s), not after nine request timeouts (49-54 s with the default
     * 5 s timeout before connections refused were told apart), naming the cause.
     */
    @Test
    void lockOnAnEndpointWithNothingListeningThrowsAfterThePausesOnly() throws Exception {
        EtcdLockFactory f = EtcdLockFactory.builder().endpoints(endpoint).keyPrefix(prefix).build();
        factories.add(f);
        Outcome lock = timed(() -> {
            f.getLock("down").lock();
            return null;
        });
        System.out.printf("etcd down: lock() threw after %d ms: %s%n", lock.millis(), lock.thrown());
        assertUnreachable(lock.thrown(), true);
        assertThat(lock.thrown()).hasMessageContaining("9 attempt").hasMessageContaining("Connection refused");
        assertThat(lock.millis()).isLessThan(DEFAULT_PAUSES_MILLIS + MARGIN_MILLIS);
        // no attempt ever reached a server: nothing is left to clean up, nothing logged about it
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> io.distlock.testing.Waiter.pendingCleanups(f) == 0);
    }

    @Test
    void tryLockOnAnEndpointWithNothingListeningThrowsWithinOneRequestTimeout() throws Exception {
        for (boolean asUrl : new boolean[] {true, false}) {
            // the default request timeout (5 s): a refused connection does not wait for it
            EtcdLockFactory f = (asUrl ? EtcdLockFactory.builder().endpoints(endpoint)
                    : EtcdLockFactory.builder().clientBuilder(Client.builder().endpoints(endpoint)))
                    .keyPrefix(prefix).build();
            factories.add(f);
            Outcome tryLock = timed(() -> f.getLock("down").tryLock());
            System.out.printf("etcd down: tryLock() threw after %d ms: %s%n", tryLock.millis(), tryLock.thrown());
            assertUnreachable(tryLock.thrown(), asUrl);
            assertThat(tryLock.thrown()).hasMessageContaining("1 attempt");
            assertThat(tryLock.millis()).isLessThan(MARGIN_MILLIS);
        }
    }

    @Test
    void verifyOnBuildWithNothingListeningThrowsWithinOneRequestTimeout() throws Exception {
        for (boolean asUrl : new boolean[] {true, false}) {
            EtcdLockFactory.Builder b = asUrl ? EtcdLockFactory.builder().endpoints(endpoint)
                    : EtcdLockFactory.builder().clientBuilder(Client.builder().endpoints(endpoint));
            Outcome build = timed(() -> {
                EtcdLockFactory f = b.keyPrefix(prefix).verifyOnBuild(true).build();
                factories.add(f);
                return f;
            });
            System.out.printf("etcd down: verifyOnBuild threw after %d ms: %s%n", build.millis(), build.thrown());
            assertUnreachable(build.thrown(), asUrl);
            assertThat(build.thrown()).hasMessageContaining("could not verify access");
            assertThat(build.millis()).isLessThan(MARGIN_MILLIS);
        }
    }

    @Test
    void tryLockOnAFrozenServerReturnsWithinOneRequestTimeout() throws Exception {
        Duration requestTimeout = REQUEST_TIMEOUT;
        EtcdLockFactory f = factory(EtcdLockFactory.builder().endpoints(etcd.get().endpoints().toArray(String[]::new)));
        DistributedLock lock = f.getLock("frozen");
        lock.lock();   // connected, session made
        lock.unlock();
        Outcome tryLock;
        etcd.get().pause(0);
        try {
            tryLock = timed(lock::tryLock);
        } finally {
            etcd.get().resume(0);
        }
        System.out.printf("etcd frozen: tryLock() after %d ms: %s%n", tryLock.millis(), tryLock.thrown());
        assertThat(tryLock.thrown()).isInstanceOf(LockBackendException.class).hasMessageContaining("1 attempt");
        assertThat(tryLock.millis()).isLessThan(requestTimeout.toMillis() + 1_500);
        // the factory works again, and nothing is left once its clean-up has run
        assertThat(lock.tryLock(10, TimeUnit.SECONDS)).isTrue();
        lock.unlock();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> io.distlock.testing.Waiter.pendingCleanups(f) == 0);
        f.close();
        assertThat(EtcdTestSupport.keys(etcd.get(), prefix)).isEmpty();
    }

    @Test
    void lockWithTheDefaultRetriesRidesOutARestartOfAFewSeconds() throws Exception {
        EtcdLockFactory f = EtcdLockFactory.builder().endpoints(etcd.get().endpoints().toArray(String[]::new))
                .keyPrefix(prefix).build();
        factories.add(f);
        DistributedLock lock = f.getLock("restart");
        lock.lock();
        lock.unlock();
        // the holder's thread stays alive: a thread that ends holding a lock has it released by
        // the engine's sweeper (a common-pool task on a 2-core machine runs on a thread of its own
        // that ends with it, and the lock was then found released before the check)
        java.util.concurrent.ExecutorService holderThread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            etcd.get().kill(0);
            CompletableFuture<Outcome> waiting;
            try {
                waiting = CompletableFuture.supplyAsync(() -> {
                    try {
                        return timed(() -> {
                            lock.lock();
                            return null;
                        });
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, holderThread);
                // the server is away for a few seconds (the fault's length, not a wait for a state)
                Thread.sleep(2_500);
            } finally {
                etcd.get().restart(0);
            }
            Outcome locked = waiting.get(60, TimeUnit.SECONDS);
            System.out.printf("etcd restarted after 2.5 s: lock() returned after %d ms: %s%n", locked.millis(),
                    locked.thrown());
            assertThat(locked.thrown()).isNull();
            assertThat(lock.isHeldByCurrentThread()).isFalse();   // held by the holder's thread
            assertThat(lock.isLocked()).isTrue();
        } finally {
            holderThread.shutdown();
        }
    }
}
