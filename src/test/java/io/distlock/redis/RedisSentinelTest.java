package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.distlock.LeaseListener;
import io.distlock.LeaseLostException;
import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.testing.BlackholeRelay;
import io.distlock.testing.RedisServer;
import io.distlock.testing.RedisSentinels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

/**
 * A primary with two replicas and three sentinels on loopback, the factory built over Jedis'
 * Sentinel client: a failover of the primary under load ({@link PrimaryFailover}), and replica
 * acknowledgements ({@code WAIT}) that keep a lock from being granted, or renewed, unless the
 * replicas have it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RedisSentinelTest {

    @RegisterExtension
    static final RedisSentinels redis = RedisSentinels.start(2, 3, Duration.ofSeconds(1));

    private final String prefix = "sentinel:" + UUID.randomUUID() + ":";
    private final List<RedisLockFactory> factories = new ArrayList<>();

    private RedisLockFactory.Builder builder(LockOptions options, LeaseListener listener) {
        return builder(options, listener, 1_000);
    }

    private RedisLockFactory.Builder builder(LockOptions options, LeaseListener listener, int timeoutMillis) {
        return RedisLockFactory.builder().sentinel(RedisSentinels.MASTER_NAME, redis.sentinels())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(timeoutMillis).build())
                .keyPrefix(prefix).options(options).leaseListener(listener);
    }

    private RedisLockFactory built(RedisLockFactory.Builder builder) {
        RedisLockFactory f = builder.build();
        factories.add(f);
        return f;
    }

    @AfterEach
    void closeFactories() {
        factories.forEach(RedisLockFactory::close);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> RedisTestSupport.leftovers(redis.primary(), prefix).isEmpty());
    }

    private static boolean has(RedisServer node, String key) {
        try (Jedis jedis = RedisTestSupport.connect(node)) {
            return jedis.exists(key);
        }
    }

    @Test
    void aKilledPrimaryIsReplacedLocksItHadSurviveOthersAreReportedLostAndTokensKeepGrowing() throws Exception {
        redis.awaitSettled(Duration.ofSeconds(60));
        RedisServer primary = redis.primary();
        List<RedisServer> replicas = redis.replicas();
        String figures;
        try {
            figures = PrimaryFailover.run(new PrimaryFailover.Topology() {
                @Override
                public RedisLockFactory factory(LockOptions options, LeaseListener listener) {
                    return builder(options, listener).build();
                }

                @Override
                public String nameOnDoomedPrimary(String base) {
                    return base;
                }

                @Override
                public boolean onReplicas(String key) {
                    return replicas.stream().allMatch(r -> has(r, key));
                }

                @Override
                public void stopReplication() {
                    replicas.forEach(RedisServer::pause);
                    try (Jedis jedis = RedisTestSupport.connect(primary)) {
                        jedis.clientKill(new ClientKillParams().type(ClientType.REPLICA));
                    }
                }

                @Override
                public void resumeReplication() {
                    replicas.forEach(RedisServer::resume);
                }

                @Override
                public void killPrimary() {
                    primary.kill();
                }

                @Override
                public boolean failedOver(String key) {
                    return redis.primary() != primary;
                }
            }, prefix);
        } finally {
            primary.restart();
            // the sentinels would make it a replica of the new primary once their next INFO round
            // (every 10 s) shows it back as a primary; making it one at once saves that wait
            RedisServer now = redis.primary();
            if (now != primary) {
                try (Jedis jedis = RedisTestSupport.connect(primary)) {
                    jedis.replicaof(now.host(), now.port());
                }
            }
            redis.awaitSettled(Duration.ofSeconds(60));
        }
        System.out.println("RedisSentinelTest: primary " + primary + " killed; " + figures);
    }

    @Test
    void withReplicaAcknowledgementsALockIsGrantedAndRenewedOnlyWhileTheReplicasHaveIt() throws Exception {
        redis.awaitSettled(Duration.ofSeconds(60));
        List<RedisServer> replicas = redis.replicas();
        assertThat(replicas).hasSize(2);
        List<String> lost = new CopyOnWriteArrayList<>();
        LockOptions options = LockOptions.builder().leaseTime(Duration.ofSeconds(3))
                .retryCount(1).retryDelay(Duration.ofMillis(50)).build();
        // WAIT's timeout is generous (and the client's read timeout longer still): on a loaded
        // 2-core CI machine healthy replicas once took more than 300 ms to acknowledge, twice,
        // and the first lock() below failed
        Duration ackWait = Duration.ofSeconds(1);
        RedisLockFactory both = built(builder(options, (n, fence) -> lost.add(n), 3_000)
                .replicaAcknowledgements(2, ackWait));
        RedisLockFactory one = built(builder(options, (n, fence) -> { }, 3_000)
                .replicaAcknowledgements(1, ackWait));

        RedisLock acked = both.getLock("acked");
        acked.lock();
        for (RedisServer r : replicas) {
            assertThat(has(r, prefix + "{acked}")).as("on %s the moment lock() returned", r).isTrue();
        }
        acked.unlock();

        RedisLock renewed = both.getLock("renewed");
        renewed.lock();
        replicas.get(0).pause();
        long pausedAt = System.nanoTime();
        try {
            // two acknowledgements cannot come: no new lock, and the held one cannot be renewed
            assertThatThrownBy(() -> both.getLock("refused").tryLock())
                    .isInstanceOf(LockBackendException.class)
                    .hasStackTraceContaining("only 1 of the 2 replicas");
            RedisLock enough = one.getLock("one-is-enough");
            assertThat(enough.tryLock()).as("one acknowledgement asked for, one replica up").isTrue();
            enough.unlock();
            await().atMost(Duration.ofSeconds(15)).until(() -> lost.contains("renewed"));
            System.out.printf("RedisSentinelTest: with a replica frozen, the lock that needed 2 acknowledgements "
                    + "was counted lost %d ms later (lease 3 s)%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt));
        } finally {
            replicas.get(0).resume();
        }
        assertThat(renewed.isHeldByCurrentThread()).isFalse();
        assertThatThrownBy(renewed::unlock).isInstanceOf(LeaseLostException.class);
        redis.awaitSettled(Duration.ofSeconds(30));
        RedisLock again = both.getLock("refused");
        assertThat(again.tryLock()).as("granted again once both replicas acknowledge").isTrue();
        again.unlock();
    }

    /**
     * The release subscription goes to the primary the sentinels name, over a connection of the
     * primary's pool: when its flow is dropped without a reset, its PINGs go unanswered, it is
     * closed and made again, and a release wakes a waiter of another factory within the bound
     * ({@link SubscriptionCut}). Only the waiter's factory reaches the primary through the relay.
     */
    @Test
    void aReleaseStillWakesAWaiterPromptlyAfterItsSubscriptionsFlowToThePrimaryWasDropped() throws Exception {
        redis.awaitSettled(Duration.ofSeconds(60));
        RedisServer primary = redis.primary();
        LockOptions options = LockOptions.builder().leaseTime(RedisSubscriptionHealthTest.LEASE).build();
        String name = "cut";
        String waitingKey = prefix + "{" + name + "}:w";
        try (BlackholeRelay relay = BlackholeRelay.to(primary.host(), primary.port());
             Jedis jedis = RedisTestSupport.connect(primary)) {
            HostAndPort relayed = new HostAndPort(relay.host(), relay.port());
            RedisLockFactory holder = built(RedisLockFactory.builder().sentinel(RedisSentinels.MASTER_NAME, redis.sentinels())
                    .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000).build())
                    .keyPrefix(prefix).options(options));
            RedisLockFactory waiter = built(RedisLockFactory.builder().sentinel(RedisSentinels.MASTER_NAME, redis.sentinels())
                    .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000)
                            .hostAndPortMapper(a -> a.getPort() == primary.port() ? relayed : a).build())
                    .keyPrefix(prefix).options(options));
            SubscriptionCut.run(holder.getLock(name), waiter.getLock(name), () -> jedis.scard(waitingKey) == 1,
                    List.of(relay)).assertPrompt();
        }
    }
}
