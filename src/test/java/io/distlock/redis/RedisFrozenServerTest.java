package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.testing.RedisServer;
import io.distlock.testing.RedisServers;
import io.distlock.testing.Waiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;

/**
 * A frozen Redis server (SIGSTOP): the calls keep their deadlines, the factory's resources stay
 * bounded however many calls meet the frozen server, and nothing is left once it runs again.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RedisFrozenServerTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    /** The client's socket and connect timeout in these tests. */
    private static final int CLIENT_TIMEOUT_MILLIS = 2_000;
    private static final String CALL_THREAD = "distlock-redis-call";

    private final String prefix = "frozen:" + UUID.randomUUID() + ":";
    private final List<RedisLockFactory> factories = new CopyOnWriteArrayList<>();

    private RedisServer server() {
        return redis.first();
    }

    private RedisLockFactory factory() {
        RedisLockFactory f = RedisLockFactory.builder()
                .hostAndPort(server().host(), server().port())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(CLIENT_TIMEOUT_MILLIS).build())
                .keyPrefix(prefix)
                .options(LockOptions.defaults())
                .build();
        factories.add(f);
        return f;
    }

    @AfterEach
    void close() {
        factories.forEach(RedisLockFactory::close);
        assertThat(RedisTestSupport.leftovers(server(), prefix)).isEmpty();
    }

    /** The live helper threads that run Redis calls for a caller's deadline, of every factory. */
    private static int callThreads() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().equals(CALL_THREAD)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void shortTimedTryLocksOnManyNamesOfAFrozenServerUseBoundedHelperThreadsAndLeaveNothing() throws Exception {
        RedisLockFactory f = factory();
        int names = 24;
        for (int i = 0; i < names; i++) {
            // connections set up, script loaded
            RedisLock lock = f.getLock("frozen-" + i);
            lock.lock();
            lock.unlock();
        }
        int baseline = callThreads();
        int callers = 4;
        int callsEach = 150;
        long tryMillis = 20;
        long runNanos = TimeUnit.SECONDS.toNanos(4);
        AtomicInteger most = new AtomicInteger();
        AtomicLong slowest = new AtomicLong();
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger acquired = new AtomicInteger();
        List<String> unexpected = new CopyOnWriteArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(callers);
        server().pause();
        try {
            long end = System.nanoTime() + runNanos;
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int first = c;
                running.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < callsEach && System.nanoTime() - end < 0; i++) {
                        RedisLock lock = f.getLock("frozen-" + ((first + i * callers) % names));
                        long start = System.nanoTime();
                        try {
                            if (lock.tryLock(tryMillis, TimeUnit.MILLISECONDS)) {
                                acquired.incrementAndGet();
                                lock.unlock();
                            }
                        } catch (LockBackendException e) {
                            failures.incrementAndGet();
                        } catch (InterruptedException | RuntimeException e) {
                            unexpected.add(e.toString());
                        }
                        slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
                        calls.incrementAndGet();
                        most.accumulateAndGet(callThreads() - baseline, Math::max);
                    }
                }, pool));
            }
            CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            most.accumulateAndGet(callThreads() - baseline, Math::max);
        } finally {
            server().resume();
            pool.shutdown();
        }
        long slowestMillis = TimeUnit.NANOSECONDS.toMillis(slowest.get());
        System.out.printf("frozen Redis, %d names, %d callers: %d tryLock(%d ms) calls (%d failed, %d acquired), "
                + "at most %d helper threads (%s), slowest call %d ms%n", names, callers, calls.get(), tryMillis,
                failures.get(), acquired.get(), most.get(), CALL_THREAD, slowestMillis);
        assertThat(unexpected).isEmpty();
        assertThat(calls.get()).isGreaterThanOrEqualTo(callers * 10);
        assertThat(most.get()).as("helper threads of the factory").isLessThanOrEqualTo(RedisLockFactory.MAX_CALL_THREADS);
        // each call's deadline is 20 ms (one attempt is bounded by 50 ms at least); a generous margin
        assertThat(slowestMillis).as("slowest tryLock(20 ms)").isLessThan(1_000);
        // once the server runs again, every clean-up is confirmed and nothing is left
        await().atMost(Duration.ofSeconds(60)).until(() -> Waiter.pendingCleanups(f) == 0);
        assertThat(RedisTestSupport.leftovers(server(), prefix)).isEmpty();
        // and the locks work
        for (int i = 0; i < names; i++) {
            RedisLock lock = f.getLock("frozen-" + i);
            assertThat(lock.tryLock(5, TimeUnit.SECONDS)).isTrue();
            lock.unlock();
        }
    }

    @Test
    void pingOnAFrozenServerFailsAfterOneCallNotAfterTheRetries() throws Exception {
        // many slow retries for every other call: ping makes none of them
        RedisLockFactory f = RedisLockFactory.builder()
                .hostAndPort(server().host(), server().port())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(CLIENT_TIMEOUT_MILLIS).build())
                .keyPrefix(prefix)
                .options(LockOptions.builder().retryCount(5).retryDelay(Duration.ofSeconds(2)).build())
                .build();
        try {
            f.ping();   // connection set up
            server().pause();
            long start = System.nanoTime();
            Object outcome;
            try {
                outcome = CompletableFuture.supplyAsync(() -> {
                    try {
                        f.ping();
                        return "answered";
                    } catch (LockBackendException e) {
                        return e;
                    }
                }).get(120, TimeUnit.SECONDS);
            } finally {
                server().resume();
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("frozen Redis: ping() after %d ms: %s%n", millis, outcome);
            assertThat(outcome).isInstanceOf(LockBackendException.class);
            assertThat(((Exception) outcome).getMessage()).contains("ping").contains("1 attempt");
            // one Jedis call (two socket timeouts at most), not five more after 2 s pauses
            assertThat(millis).isLessThan(2 * CLIENT_TIMEOUT_MILLIS + 1_500);
            f.ping();
        } finally {
            f.close();
        }
    }

    @Test
    void tryLockOnAFrozenServerReturnsWithinOneClientTimeout() throws Exception {
        RedisLockFactory f = factory();
        RedisLock lock = f.getLock("frozen-try");
        lock.lock();   // connection set up, script loaded
        lock.unlock();
        long start;
        Object outcome;
        server().pause();
        try {
            start = System.nanoTime();
            outcome = CompletableFuture.supplyAsync(() -> {
                try {
                    return lock.tryLock();
                } catch (LockBackendException e) {
                    return e;
                }
            }).get(120, TimeUnit.SECONDS);
        } finally {
            server().resume();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("frozen Redis: tryLock() after %d ms: %s%n", millis, outcome);
        // one attempt, no retries: one Jedis call on a frozen server, which takes two socket
        // timeouts (measured: 4.0 s with 2 s timeouts; before, nine attempts and the pauses),
        // and a margin for a loaded machine
        assertThat(outcome).isInstanceOf(LockBackendException.class);
        assertThat(((Exception) outcome).getMessage()).contains("1 attempt");
        assertThat(millis).isLessThan(2 * CLIENT_TIMEOUT_MILLIS + 1_500);
        await().atMost(Duration.ofSeconds(60)).until(() -> Waiter.pendingCleanups(f) == 0);
        assertThat(lock.tryLock(5, TimeUnit.SECONDS)).isTrue();
        lock.unlock();
    }
}
