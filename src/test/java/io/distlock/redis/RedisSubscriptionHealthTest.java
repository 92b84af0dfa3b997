package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.LockOptions;
import io.distlock.testing.BlackholeRelay;
import io.distlock.testing.RedisServer;
import io.distlock.testing.RedisServers;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;

/**
 * A release subscription whose flow is dropped without a reset (a NAT, load balancer or firewall
 * timing out an idle connection) is noticed by its PINGs going unanswered, and made again, so
 * releases keep waking waiters of other factories within the documented bound
 * ({@link ReleaseSubscriber#ANSWER_TIMEOUT_MILLIS}), never after the holder's whole lease. The
 * Sentinel and Cluster variants are in {@code RedisSentinelTest} and {@code RedisClusterTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisSubscriptionHealthTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    /** Long enough that a waiter woken by the lease's end is told apart from one woken by the release. */
    static final Duration LEASE = Duration.ofSeconds(10);

    private final String prefix = "sub-health:" + UUID.randomUUID() + ":";

    private RedisLockFactory factory(String host, int port) {
        return RedisLockFactory.builder()
                .hostAndPort(host, port)
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000).build())
                .keyPrefix(prefix)
                .options(LockOptions.builder().leaseTime(LEASE).build())
                .build();
    }

    @Test
    void aReleaseStillWakesAWaiterOfAnotherFactoryPromptlyAfterItsSubscriptionsFlowWasDropped() throws Exception {
        RedisServer server = redis.first();
        String name = "cut";
        String waitingKey = prefix + "{" + name + "}:w";
        try (BlackholeRelay relay = BlackholeRelay.to(server.host(), server.port());
             RedisLockFactory holder = factory(server.host(), server.port());
             RedisLockFactory waiter = factory(relay.host(), relay.port());
             Jedis jedis = RedisTestSupport.connect(server)) {
            SubscriptionCut.run(holder.getLock(name), waiter.getLock(name), () -> jedis.scard(waitingKey) == 1,
                    List.of(relay)).assertPrompt();
        }
    }

    @Test
    void healthChecksAreAnsweredWithoutEndingALiveSubscription() throws Exception {
        // a waiter keeps the subscription up through several health checks: each is answered,
        // and the subscription is made once (the PING check of Jedis's pub/sub ended it now
        // and then with "Unexpected message : PONG", its answer read before its handler was queued)
        RedisServer server = redis.first();
        String name = "checked";
        try (RedisLockFactory holder = factory(server.host(), server.port());
             RedisLockFactory waiting = factory(server.host(), server.port())) {
            RedisLock held = holder.getLock(name);
            held.lock();
            io.distlock.testing.Holder waiter = io.distlock.testing.Holder.start(waiting.getLock(name), "health-waiter");
            RedisReleaseSubscriber subscriber = (RedisReleaseSubscriber) RedisTestSupport.backendOf(waiting).subscriber;
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> subscriber.healthAnswers() >= 4);
            assertThat(subscriber.subscriptionsMade()).as("subscriptions made").isEqualTo(1);
            held.unlock();
            waiter.awaitAcquired(10);
            assertThat(waiter.release()).isNull();
        }
    }
}
