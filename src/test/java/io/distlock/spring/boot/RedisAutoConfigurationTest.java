package io.distlock.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.distlock.DistributedLock;
import io.distlock.redis.RedisLockFactory;
import io.distlock.redis.RedisTestSupport;
import io.distlock.testing.RedisServer;
import io.distlock.testing.RedisServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.Pool;

/**
 * The Boot auto-configuration's mapping of {@code spring.data.redis.jedis.pool.*}, against a real
 * Redis: the four settings reach the pool of the factory's client and bound its helper threads
 * and a call's bound; a pool of two connections, one of them held by the release subscription
 * while a thread waits, still serves timed calls of several threads, never opening a third
 * connection; unset, the factory keeps its defaults; negative max-active and max-idle mean no
 * limit, as in Spring Boot; values the factory cannot work with fail the context naming the
 * property.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisAutoConfigurationTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DistributedLockAutoConfiguration.class));

    private static RedisServer server() {
        return redis.first();
    }

    private ApplicationContextRunner onServer(String... more) {
        return runner.withPropertyValues("spring.data.redis.host=" + server().host(),
                "spring.data.redis.port=" + server().port(),
                "distlock.key-prefix=boot-pool-" + UUID.randomUUID() + ":").withPropertyValues(more);
    }

    private static Jedis admin() {
        return new Jedis(new HostAndPort(server().host(), server().port()),
                DefaultJedisClientConfig.builder().timeoutMillis(5_000).build());
    }

    @Test
    void thePoolSettingsReachTheFactorysPoolAndTwoConnectionsServeContendedTimedCalls() {
        String clientName = "boot-pool-" + UUID.randomUUID();
        onServer("spring.data.redis.jedis.pool.max-active=2", "spring.data.redis.jedis.pool.max-idle=1",
                "spring.data.redis.jedis.pool.min-idle=1", "spring.data.redis.jedis.pool.max-wait=750ms",
                "spring.data.redis.timeout=2s", "spring.data.redis.connect-timeout=1s",
                "spring.data.redis.client-name=" + clientName)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RedisLockFactory factory = context.getBean(RedisLockFactory.class);
                    Pool<Connection> pool = RedisTestSupport.poolOf(factory);
                    assertThat(pool.getMaxTotal()).isEqualTo(2);
                    assertThat(pool.getMaxIdle()).isEqualTo(1);
                    assertThat(pool.getMinIdle()).isEqualTo(1);
                    assertThat(pool.getMaxWaitDuration()).isEqualTo(Duration.ofMillis(750));
                    assertThat(RedisTestSupport.callThreadsOf(factory))
                            .as("no more helpers than connections beside the release subscription's").isEqualTo(1);
                    // a connect timeout, the pool wait and two socket timeouts
                    assertThat(RedisTestSupport.maxCallNanosOf(factory))
                            .isEqualTo(TimeUnit.MILLISECONDS.toNanos(1_000 + 750 + 2 * 2_000));
                    contendOnTwoConnections(factory, context.getBean(DistributedLockProperties.class).getKeyPrefix(),
                            clientName);
                });
    }

    /**
     * A thread of the factory waits for a lock another factory holds (so the release subscription
     * holds one of the two connections) while four threads take and release other locks with
     * timed calls shorter than a call's bound (so they run on the helper threads); then the
     * holder releases and the waiter gets the lock.
     */
    private static void contendOnTwoConnections(RedisLockFactory factory, String prefix, String clientName)
            throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(5);
        try (RedisLockFactory other = RedisLockFactory.builder().hostAndPort(server().host(), server().port())
                .keyPrefix(prefix).build();
             Jedis admin = admin()) {
            DistributedLock held = other.getLock("held");
            held.lock();
            CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
                DistributedLock lock = factory.getLock("held");
                try {
                    if (!lock.tryLock(60, TimeUnit.SECONDS)) {
                        return false;
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                lock.unlock();
                return true;
            }, threads);
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.pubsubNumPat() >= 1);

            AtomicInteger taken = new AtomicInteger();
            List<CompletableFuture<Void>> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int worker = w;
                workers.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 15; i++) {
                        DistributedLock lock = factory.getLock("busy-" + ((worker + i) % 3));
                        try {
                            // shorter than a call's bound (5.75 s): each attempt runs on a helper thread
                            if (!lock.tryLock(5, TimeUnit.SECONDS)) {
                                throw new AssertionError("not acquired within 5 s");
                            }
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        taken.incrementAndGet();
                        lock.unlock();
                    }
                }, threads));
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new));
            AtomicInteger mostConnections = new AtomicInteger();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                mostConnections.accumulateAndGet(connectionsNamed(admin, clientName), Math::max);
                return all.isDone();
            });
            all.get();
            assertThat(taken).hasValue(60);
            assertThat(waiter).as("still waiting for the other factory's lock").isNotDone();
            assertThat(mostConnections.get()).as("connections of the factory's client seen on the server")
                    .isBetween(1, 2);

            held.unlock();
            assertThat(waiter.get(30, TimeUnit.SECONDS)).as("woken by the release").isTrue();
            assertThat(connectionsNamed(admin, clientName)).isLessThanOrEqualTo(2);
        } finally {
            threads.shutdownNow();
        }
    }

    private static int connectionsNamed(Jedis admin, String name) {
        int n = 0;
        for (String line : admin.clientList().split("\n")) {
            if (line.contains(" name=" + name + " ")) {
                n++;
            }
        }
        return n;
    }

    @Test
    void unsetThePoolKeepsTheFactorysDefaultsAndNegativeLimitsMeanNoLimit() {
        onServer("spring.data.redis.timeout=1500ms").run(context -> {
            RedisLockFactory factory = context.getBean(RedisLockFactory.class);
            Pool<Connection> pool = RedisTestSupport.poolOf(factory);
            assertThat(pool.getMaxTotal()).isEqualTo(RedisLockFactory.MAX_CALL_THREADS);
            assertThat(pool.getMaxWaitDuration()).as("one socket timeout").isEqualTo(Duration.ofMillis(1_500));
            assertThat(RedisTestSupport.callThreadsOf(factory)).as("one connection for the release subscription")
                    .isEqualTo(RedisLockFactory.MAX_CALL_THREADS - 1);
        });
        onServer("spring.data.redis.jedis.pool.max-active=-1", "spring.data.redis.jedis.pool.max-idle=-1")
                .run(context -> {
                    RedisLockFactory factory = context.getBean(RedisLockFactory.class);
                    Pool<Connection> pool = RedisTestSupport.poolOf(factory);
                    assertThat(pool.getMaxTotal()).isNegative();
                    assertThat(pool.getMaxIdle()).isNegative();
                    assertThat(RedisTestSupport.callThreadsOf(factory)).isEqualTo(RedisLockFactory.MAX_CALL_THREADS);
                    DistributedLock lock = factory.getLock("unbounded");
                    assertThat(lock.tryLock(10, TimeUnit.SECONDS)).isTrue();
                    lock.unlock();
                });
    }

    /**
     * Spring Boot's pool properties configure the application's own Redis pool too, where Boot
     * accepts values the lock factory cannot use (its own default max-wait, -1, is a wait without
     * end): the application starts, the factory keeps its default for that setting, and a warning
     * names the property.
     */
    @Test
    void poolValuesTheFactoryCannotWorkWithAreLeftOutWithAWarningNamingTheProperty() {
        assertDefault("spring.data.redis.jedis.pool.max-active", "at least 2",
                p -> assertThat(p.getMaxTotal()).isEqualTo(RedisLockFactory.MAX_CALL_THREADS),
                "spring.data.redis.jedis.pool.max-active=1");
        assertDefault("spring.data.redis.jedis.pool.max-active", "at least 2",
                p -> assertThat(p.getMaxTotal()).isEqualTo(RedisLockFactory.MAX_CALL_THREADS),
                "spring.data.redis.jedis.pool.max-active=0");
        assertDefault("spring.data.redis.jedis.pool.max-wait", "without end",
                p -> assertThat(p.getMaxWaitDuration()).isEqualTo(Duration.ofMillis(1_500)),
                "spring.data.redis.jedis.pool.max-wait=-1ms");
        assertDefault("spring.data.redis.jedis.pool.max-wait", "too long for the lease",
                p -> assertThat(p.getMaxWaitDuration()).isEqualTo(Duration.ofMillis(1_500)),
                "spring.data.redis.jedis.pool.max-wait=10s", "distlock.lease-time=10s");
        assertDefault("spring.data.redis.jedis.pool.min-idle", "exceeds max-idle",
                p -> assertThat(p.getMinIdle()).isZero(),
                "spring.data.redis.jedis.pool.min-idle=3", "spring.data.redis.jedis.pool.max-idle=2");
        assertDefault("spring.data.redis.jedis.pool.min-idle", "exceeds max-idle",
                p -> assertThat(p.getMinIdle()).isZero(),
                "spring.data.redis.jedis.pool.min-idle=3", "spring.data.redis.jedis.pool.max-active=2");
        assertDefault("spring.data.redis.jedis.pool.min-idle", "must not be negative",
                p -> assertThat(p.getMinIdle()).isZero(),
                "spring.data.redis.jedis.pool.min-idle=-1");
    }

    private void assertDefault(String property, String why, java.util.function.Consumer<Pool<Connection>> kept,
                               String... properties) {
        List<String> all = new ArrayList<>(List.of(properties));
        all.add("spring.data.redis.timeout=1500ms");
        // the test logger (slf4j-simple) writes to whatever System.err is at the time
        java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = System.err;
        System.setErr(new java.io.PrintStream(logged, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            onServer(all.toArray(String[]::new)).run(context -> {
                assertThat(context).hasNotFailed();
                RedisLockFactory factory = context.getBean(RedisLockFactory.class);
                kept.accept(RedisTestSupport.poolOf(factory));
                DistributedLock lock = factory.getLock("defaults-" + UUID.randomUUID());
                assertThat(lock.tryLock(10, TimeUnit.SECONDS)).isTrue();
                lock.unlock();
            });
        } finally {
            System.setErr(err);
        }
        assertThat(logged.toString(java.nio.charset.StandardCharsets.UTF_8)).as("the warning").contains(property)
                .contains("is not used by the lock factory").contains(why);
    }
}
