package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.distlock.LockOptions;
import io.distlock.testing.Holder;
import io.distlock.testing.JvmProcess;
import io.distlock.testing.RedisServer;
import io.distlock.testing.RedisServers;
import io.distlock.testing.Waiter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;

/**
 * Hand-over (RedisLockFactory.Builder.handOverToWaiters): a release hands the lock to a waiter of
 * another factory, which takes it from the announcement without a request of its own.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisHandOverTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    private final String prefix = "handover-test:" + UUID.randomUUID() + ":";
    private final List<RedisLockFactory> factories = new CopyOnWriteArrayList<>();
    private final List<String> lost = new CopyOnWriteArrayList<>();

    private RedisServer server() {
        return redis.first();
    }

    private RedisLockFactory factory(LockOptions options, boolean handOver) {
        RedisLockFactory f = RedisLockFactory.builder()
                .hostAndPort(server().host(), server().port())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000).build())
                .keyPrefix(prefix)
                .options(options)
                .handOverToWaiters(handOver)
                .leaseListener((n, fence) -> lost.add(n + "#" + fence))
                .build();
        factories.add(f);
        return f;
    }

    @AfterEach
    void closeFactories() {
        factories.forEach(RedisLockFactory::close);
        assertThat(RedisTestSupport.leftovers(server(), prefix)).isEmpty();
    }

    private String lockKey(String name) {
        return prefix + "{" + name + "}";
    }

    @Test
    void aReleaseHandsTheLockToTheWaiterOfAnotherFactoryWhichTakesItWithoutARequest() throws Exception {
        String name = "orders";
        RedisLock here = factory(LockOptions.defaults(), true).getLock(name);
        RedisLock there = factory(LockOptions.defaults(), true).getLock(name);
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            // a first hand-over, so that the waiting factory's subscription is confirmed before
            // the one measured (a waiter whose watch is not confirmed yet re-checks on a timer)
            here.lock();
            Holder warmUp = Holder.start(there, "handover-warm-up");
            Waiter.awaitParked(warmUp.thread());
            await().atMost(Duration.ofSeconds(10)).until(() -> jedis.scard(lockKey(name) + ":w") == 1);
            here.unlock();
            warmUp.awaitAcquired(10);
            assertThat(warmUp.release()).isNull();

            here.lock();
            long first = here.getFencingToken();
            Holder waiter = Holder.start(there, "handover-waiter");
            Waiter.awaitParked(waiter.thread());
            await().atMost(Duration.ofSeconds(10)).until(() -> jedis.scard(lockKey(name) + ":w") == 1);
            String waiterToken = jedis.srandmember(lockKey(name) + ":w");
            jedis.configResetStat();
            here.unlock();
            waiter.awaitAcquired(10);
            assertThat(jedis.get(lockKey(name))).as("handed to the waiter's token").isEqualTo(waiterToken);
            assertThat(waiter.fencingToken()).as("the fencing token handed over").isGreaterThan(first);
            Map<String, Long> calls = RedisTestSupport.commandCalls(jedis);
            // the release checks the waiter is not given up (one ZSCORE); an acquire request of
            // the waiter would have run a second one
            assertThat(calls.get("zscore")).as("given-up checks: " + calls).isEqualTo(1L);
            assertThat(calls.get("publish")).as("the hand-over's announcement").isEqualTo(1L);
            // the short grant is renewed to the whole lease at once, in the background
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> jedis.pttl(lockKey(name)) > RedisLockFactory.MAX_GRANT_MILLIS);
            assertThat(jedis.get(lockKey(name))).as("the waiter's token still holds the key").isEqualTo(waiterToken);
            assertThat(waiter.release()).isNull();
            assertThat(jedis.exists(lockKey(name))).isFalse();
        }
        assertThat(lost).isEmpty();
    }

    @Test
    @io.distlock.testing.TimingSensitive
    void aLockHandedToAWaiterThatIsFrozenIsFreeAgainAfterTheGrantTimeAndTheWaiterDoesNotCountOnIt()
            throws Exception {
        String name = "frozen-grantee";
        // a lease of 9 s: a grant of 2 s, so that a wait bounded by the grant is told apart from
        // one bounded by the lease, with room for a busy machine (a CI run took 3.008 s of a 3 s
        // bound with a 1 s grant, three test JVMs side by side)
        LockOptions options = LockOptions.builder().leaseTime(Duration.ofSeconds(9)).build();
        RedisLock here = factory(options, true).getLock(name);
        long grant = RedisLockFactory.Builder.grantMillis(options);
        assertThat(grant).isEqualTo(RedisLockFactory.MAX_GRANT_MILLIS);
        try (Jedis jedis = RedisTestSupport.connect(server());
             JvmProcess other = JvmProcess.start(io.distlock.LockWorker.class,
                     "redis-handover:" + server().host() + ":" + server().port(), prefix, "hold", name, "9000")) {
            here.lock();
            long first = here.getFencingToken();
            // the other JVM waits for the lock: marked on the server
            await().atMost(Duration.ofSeconds(60)).until(() -> jedis.scard(lockKey(name) + ":w") == 1);
            other.freeze();
            here.unlock();
            // handed to the frozen waiter: its token holds the key for the grant time
            String grantee = jedis.get(lockKey(name));
            assertThat(grantee).as("handed over").isNotNull();
            assertThat(jedis.pttl(lockKey(name))).isLessThanOrEqualTo(grant);
            long released = System.nanoTime();
            here.lock();
            long took = System.nanoTime() - released;
            assertThat(Duration.ofNanos(took)).as("free again once the grant ran out, long before the lease")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(grant / 2))
                    .isLessThan(Duration.ofMillis(grant + 4_000));
            long mine = here.getFencingToken();
            assertThat(mine).isGreaterThan(first);
            // the frozen waiter wakes: the grant it hears late is not counted on, it asks the
            // server, finds the lock busy and is marked waiting again
            jedis.del(lockKey(name) + ":w");
            other.thaw();
            await().atMost(Duration.ofSeconds(30)).until(() -> jedis.scard(lockKey(name) + ":w") == 1);
            assertThat(jedis.sismember(lockKey(name) + ":w", grantee)).as("the same acquisition waits").isTrue();
            assertThat(other.nextLine(Duration.ZERO)).as("the other JVM must not hold the lock").isNull();
            assertThat(here.isHeldByCurrentThread()).isTrue();
            here.unlock();
            String locked = other.awaitLine("LOCKED", Duration.ofSeconds(30));
            assertThat(Long.parseLong(locked.substring("LOCKED ".length()).trim())).isGreaterThan(mine);
            other.send("unlock");
            assertThat(other.awaitLine("UNLOCKED", Duration.ofSeconds(30))).isNotNull();
            assertThat(other.waitFor(Duration.ofSeconds(30))).isZero();
        }
        assertThat(lost).isEmpty();
    }

    @Test
    void aWaiterThatGivesUpAfterItWasHandedTheLockGivesItBack() throws Exception {
        // the back end's own steps, so that the waiter gives up exactly between the hand-over and
        // its taking it: a waiting attempt marks it, the holder's release hands the lock to it,
        // and its withdrawal (what the engine sends when the acquisition gives up) releases it
        String name = "given-up-grantee";
        RedisLockFactory releasing = factory(LockOptions.defaults(), true);
        RedisLockFactory waitingFactory = factory(LockOptions.defaults(), true);
        RedisBackend holder = RedisTestSupport.backendOf(releasing);
        RedisBackend waiter = RedisTestSupport.backendOf(waitingFactory);
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            assertThat(holder.tryAcquire(name, "holder-token", 30_000, true, Long.MAX_VALUE).isAcquired()).isTrue();
            assertThat(waiter.tryAcquire(name, "waiter-token", 30_000, true, Long.MAX_VALUE).isAcquired()).isFalse();
            assertThat(jedis.sismember(lockKey(name) + ":w", "waiter-token")).isTrue();
            assertThat(holder.release(name, "holder-token").released()).isTrue();
            assertThat(jedis.get(lockKey(name))).as("handed over").isEqualTo("waiter-token");
            waiter.cancel(name, "waiter-token");
            assertThat(jedis.exists(lockKey(name))).as("the withdrawal gave the grant back").isFalse();
            assertThat(jedis.exists(lockKey(name) + ":w")).isFalse();

            // a waiter that withdraws while another holds the lock: out of the set of those
            // waiting, not recorded as given up (a withdrawal is not a clean-up)
            assertThat(holder.tryAcquire(name, "next-token", 30_000, true, Long.MAX_VALUE).isAcquired()).isTrue();
            assertThat(waiter.tryAcquire(name, "second-waiter", 30_000, true, Long.MAX_VALUE).isAcquired()).isFalse();
            waiter.cancel(name, "second-waiter");
            assertThat(jedis.exists(lockKey(name) + ":w")).isFalse();
            assertThat(jedis.zscore(lockKey(name) + ":g", "second-waiter")).isNull();
            assertThat(jedis.get(lockKey(name))).isEqualTo("next-token");
            assertThat(holder.release(name, "next-token").released()).isTrue();
        }
    }

    @Test
    void aWaiterThatHearsItsHandOverLateTakesItWithItsNextAttemptAndAFullLease() throws Exception {
        // the grant is on the server, the announcement missed (the backend's own steps: the
        // waiter's next attempt finds the lock set to its token)
        String name = "late-grantee";
        RedisBackend holder = RedisTestSupport.backendOf(factory(LockOptions.defaults(), true));
        RedisBackend waiter = RedisTestSupport.backendOf(factory(LockOptions.defaults(), true));
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            assertThat(holder.tryAcquire(name, "holder-token", 30_000, true, Long.MAX_VALUE).isAcquired()).isTrue();
            assertThat(waiter.tryAcquire(name, "waiter-token", 30_000, true, Long.MAX_VALUE).isAcquired()).isFalse();
            assertThat(holder.release(name, "holder-token").released()).isTrue();
            long fence = Long.parseLong(jedis.get(lockKey(name) + ":fence"));
            io.distlock.spi.AcquireResult r = waiter.tryAcquire(name, "waiter-token", 30_000, true, Long.MAX_VALUE);
            assertThat(r.isAcquired()).isTrue();
            assertThat(r.fencingToken()).as("a fencing token above the one the release issued").isGreaterThan(fence);
            assertThat(jedis.pttl(lockKey(name))).as("a full lease").isGreaterThan(RedisLockFactory.MAX_GRANT_MILLIS);
            assertThat(waiter.release(name, "waiter-token").released()).isTrue();
        }
    }

    @Test
    void anAnnouncementHeardAfterALaterBusyAnswerIsNotTaken() throws Exception {
        // a hand-over to the waiter runs out unheard (its subscriber stalled), someone else takes
        // the lock, the waiter's next attempt is answered busy, and only then the old
        // announcement arrives: taking it would make two holders
        String name = "stale-announcement";
        LockOptions options = LockOptions.builder().leaseTime(Duration.ofSeconds(3)).build();
        RedisBackend holder = RedisTestSupport.backendOf(factory(options, true));
        RedisBackend waiter = RedisTestSupport.backendOf(factory(options, true));
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            assertThat(holder.tryAcquire(name, "holder-token", 3_000, true, Long.MAX_VALUE).isAcquired()).isTrue();
            assertThat(waiter.tryAcquire(name, "waiter-token", 3_000, true, Long.MAX_VALUE).isAcquired()).isFalse();
            assertThat(holder.release(name, "holder-token").released()).isTrue();
            assertThat(jedis.get(lockKey(name))).isEqualTo("waiter-token");
            long grantFence = Long.parseLong(jedis.get(lockKey(name) + ":fence"));
            // the grant runs out (1 s)
            await().atMost(Duration.ofSeconds(10)).until(() -> !jedis.exists(lockKey(name)));
            assertThat(holder.tryAcquire(name, "third-token", 3_000, false, Long.MAX_VALUE).isAcquired()).isTrue();
            assertThat(waiter.tryAcquire(name, "waiter-token", 3_000, true, Long.MAX_VALUE).isAcquired()).isFalse();
            waiter.granted("waiter-token", grantFence);
            io.distlock.spi.AcquireResult r = waiter.tryAcquire(name, "waiter-token", 3_000, true, Long.MAX_VALUE);
            assertThat(r.isAcquired()).as("a stale hand-over taken: " + r).isFalse();
            assertThat(jedis.get(lockKey(name))).isEqualTo("third-token");
            waiter.cancel(name, "waiter-token");
            assertThat(holder.release(name, "third-token").released()).isTrue();
        }
    }

    @Test
    void aReleaseNobodyWaitsForAnnouncesNothingAndReservesNothing() {
        String name = "uncontended";
        RedisLockFactory f = factory(LockOptions.defaults(), true);
        RedisLock lock = f.getLock(name);
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            lock.lock();
            jedis.configResetStat();
            lock.unlock();
            Map<String, Long> calls = RedisTestSupport.commandCalls(jedis);
            assertThat(calls).as("commands of the release").doesNotContainKey("publish");
            assertThat(RedisTestSupport.backendOf(f).reservedForOthersMillis(name)).isZero();
            assertThat(jedis.exists(lockKey(name))).isFalse();
            // and the next lock() takes the free lock at once
            assertThat(lock.tryLock()).isTrue();
            lock.unlock();
        }
    }

    @Test
    void handOverIsRefusedWhereItCannotWork() {
        assertThatThrownBy(() -> factory(LockOptions.builder().fair(true).build(), true))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fair");
        assertThatThrownBy(() -> factory(LockOptions.builder().watchdog(false).build(), true))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("watchdog off");
        assertThatThrownBy(() -> RedisLockFactory.builder().hostAndPort(server().host(), server().port())
                .keyPrefix(prefix).handOverToWaiters(true)
                .replicaAcknowledgements(1, Duration.ofMillis(100)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("replica");
    }

    @Test
    void theGrantTimeIsTwoSecondsOrAThirdOfTheLease() {
        assertThat(RedisLockFactory.Builder.grantMillis(LockOptions.defaults())).isEqualTo(RedisLockFactory.MAX_GRANT_MILLIS);
        assertThat(RedisLockFactory.Builder.grantMillis(LockOptions.builder().leaseTime(Duration.ofSeconds(3)).build()))
                .isEqualTo(1_000);
    }
}
