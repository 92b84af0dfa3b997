package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.distlock.LockOptions;
import io.distlock.testing.HoldingProxy;
import io.distlock.testing.RedisServer;
import io.distlock.testing.RedisServers;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;

/**
 * An acquire request whose answer never came, delivered to Redis only after the factory has
 * cleaned up after it: the network held the request back (a relay keeps it), the client's read
 * timed out, the engine gave the token to its cleaner and went on with a new one, and the
 * cleaner's release, on another connection, reached Redis first and found nothing to delete. The
 * late request must then take nothing: no lock nobody owns (which would shut every JVM out for a
 * whole lease), no reader, no queue entry.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisLostAnswerTest {

    @org.junit.jupiter.api.extension.RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    private final String prefix = "lost-answer:" + UUID.randomUUID() + ":";
    private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

    private RedisServer server() {
        return redis.first();
    }

    /** Every kind of acquisition whose request can be held back, and how to get its lock. */
    enum Kind {
        EXCLUSIVE(false, f -> f.getLock("lost")),
        FAIR(true, f -> f.getLock("lost")),
        WRITE(false, f -> f.getReadWriteLock("lost").writeLock()),
        READ(false, f -> f.getReadWriteLock("lost").readLock());

        final boolean fair;
        final Function<RedisLockFactory, Lock> lock;

        Kind(boolean fair, Function<RedisLockFactory, Lock> lock) {
            this.fair = fair;
            this.lock = lock;
        }
    }

    private RedisLockFactory factory(String host, int port, int timeoutMillis, boolean fair) {
        RedisLockFactory f = RedisLockFactory.builder()
                .hostAndPort(host, port)
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(timeoutMillis).build())
                .keyPrefix(prefix)
                .options(LockOptions.builder().fair(fair).retryDelay(Duration.ofMillis(20)).build())
                .build();
        closing.add(f);
        return f;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aLateAcquireRequestAfterItsCleanUpTakesNothing(Kind kind) throws Exception {
        HoldingProxy proxy = HoldingProxy.to(server().host(), server().port());
        closing.add(proxy);
        RedisLockFactory viaProxy = factory(proxy.host(), proxy.port(), 300, kind.fair);
        Lock lock = kind.lock.apply(viaProxy);
        lock.lock();   // connection set-up and script loading
        lock.unlock();

        proxy.holdNextRequest(prefix + "{lost}");
        lock.lock();   // the first request is held: its read times out, a retry with a new token takes it
        try {
            assertThat(proxy.holding()).as("a request was held back").isTrue();
        } finally {
            lock.unlock();
        }
        // the factory has cleaned up after the request it gave up: its release reached Redis
        await().atMost(Duration.ofSeconds(10)).until(() -> io.distlock.testing.Waiter.pendingCleanups(viaProxy) == 0);

        assertThat(proxy.deliverHeld()).isPositive();
        assertThat(proxy.awaitAnswerToHeld(Duration.ofSeconds(10))).as("Redis answered the late request").isTrue();
        assertThat(RedisTestSupport.leftovers(server(), prefix)).as("keys the late request left").isEmpty();
        RedisLockFactory other = factory(server().host(), server().port(), 2_000, false);
        Lock writer = kind == Kind.EXCLUSIVE || kind == Kind.FAIR
                ? other.getLock("lost") : other.getReadWriteLock("lost").writeLock();
        assertThat(writer.tryLock()).as("another JVM takes the lock after the late request").isTrue();
        writer.unlock();
    }

    /**
     * The same order at the back end, without a relay: the clean-up's release of a token first,
     * then an acquire request with that token. The request is refused with an error that is not
     * permanent (were a live acquisition ever to meet it, the engine would go on with a new
     * token), and nothing is taken.
     */
    @org.junit.jupiter.api.Test
    void anAcquireWithATokenReleasedBeforeIsRefusedOnEveryKindOfLock() {
        for (boolean fair : new boolean[] {false, true}) {
            RedisBackend backend = new RedisBackend(RedisClient.create(server().host(), server().port()),
                    true, prefix, 60_000, "test", Long.MAX_VALUE, fair);
            closing.add(backend);
            RedisReadWriteBackend rw = new RedisReadWriteBackend(backend);
            java.util.Map<String, io.distlock.spi.LockBackend> sides = new java.util.LinkedHashMap<>();
            sides.put(fair ? "fair" : "exclusive", backend);
            if (!fair) {
                sides.put("write", rw.writeSide());
                sides.put("read", rw.readSide());
            }
            sides.forEach((what, side) -> {
                String name = "released-first-" + what;
                String token = UUID.randomUUID().toString();
                assertThat(side.release(name, token)).isEqualTo(io.distlock.spi.ReleaseResult.NOT_OWNED);
                for (boolean willWait : new boolean[] {false, true}) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(
                                    () -> side.tryAcquire(name, token, 30_000, willWait, Long.MAX_VALUE))
                            .as(what).isInstanceOf(io.distlock.LockBackendException.class)
                            .hasMessageContaining(RedisScript.GIVEN_UP_ERROR)
                            .satisfies(e -> assertThat(((io.distlock.LockBackendException) e).isPermanent()).isFalse());
                }
                if (fair) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(
                                    () -> side.tryAcquireWithoutOvertaking(name, token, 30_000, Long.MAX_VALUE))
                            .isInstanceOf(io.distlock.LockBackendException.class);
                }
                assertThat(side.inspect(name).isLocked()).as(what + " taken").isFalse();
                // a new token takes it as usual
                String fresh = UUID.randomUUID().toString();
                assertThat(side.tryAcquire(name, fresh, 30_000, false, Long.MAX_VALUE).isAcquired()).as(what).isTrue();
                assertThat(side.release(name, fresh).released()).isTrue();
            });
        }
        assertThat(RedisTestSupport.leftovers(server(), prefix)).isEmpty();
        try (Jedis admin = RedisTestSupport.connect(server())) {
            String record = prefix + "{released-first-exclusive}:g";
            assertThat(admin.pttl(record)).as("the record of given-up tokens expires")
                    .isBetween(1L, RedisScript.GIVEN_UP_MILLIS);
        }
    }

}
