package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.testing.BlackholeRelay;
import io.distlock.testing.ProcessControl;
import io.distlock.testing.RedisCluster;
import io.distlock.testing.RedisClusters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/** What is particular to Redis Cluster: where locks live and how releases travel. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisClusterTest {

    @RegisterExtension
    static final RedisClusters redis = RedisClusters.shared();

    private final String prefix = "cluster:" + UUID.randomUUID() + ":";
    private final List<RedisLockFactory> factories = new ArrayList<>();

    private RedisLockFactory factory(LockOptions options) {
        RedisLockFactory f = RedisLockFactory.builder().clusterNodes(redis.cluster().hostsAndPorts())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000).build())
                .keyPrefix(prefix).options(options).build();
        factories.add(f);
        return f;
    }

    @AfterEach
    void closeFactories() {
        factories.forEach(RedisLockFactory::close);
        assertThat(RedisTestSupport.leftovers(redis.cluster(), prefix)).isEmpty();
    }

    private static long shardSubscribers(String node, String channel) {
        try (Jedis jedis = RedisCluster.connect(node)) {
            return (Long) jedis.pubsubShardNumSub(channel).getOrDefault(channel, 0L);
        }
    }

    private static long patternSubscriptions(String node) {
        try (Jedis jedis = RedisCluster.connect(node)) {
            return jedis.pubsubNumPat();
        }
    }

    @Test
    void locksOfManyNamesLiveOnEveryMaster() {
        RedisLockFactory f = factory(LockOptions.defaults());
        List<RedisLock> held = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            RedisLock lock = f.getLock("spread-" + i);
            lock.lock();
            held.add(lock);
        }
        Set<String> masters = new HashSet<>();
        for (String key : redis.cluster().keys(prefix, RedisReleaseSubscriber.escapeGlob(prefix) + "*")) {
            if (!key.endsWith(":fence")) {
                masters.add(redis.cluster().masterOf(key));
            }
        }
        assertThat(masters).containsExactlyInAnyOrderElementsOf(redis.cluster().masters());
        held.forEach(RedisLock::unlock);
    }

    @Test
    void aWaiterSubscribesOnItsLocksMasterAndIsWokenByTheReleaseNotByPolling() throws Exception {
        RedisLockFactory holderSide = factory(LockOptions.defaults());
        RedisLockFactory waiterSide = factory(LockOptions.defaults());
        String name = "sharded";
        String channel = prefix + "{" + name + "}";
        String master = redis.cluster().masterOf(channel);
        RedisLock held = holderSide.getLock(name);
        held.lock();
        java.util.concurrent.atomic.AtomicReference<Thread> waiter = new java.util.concurrent.atomic.AtomicReference<>();
        CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> {
            waiter.set(Thread.currentThread());
            RedisLock lock = waiterSide.getLock(name);
            lock.lock();
            long token = lock.getFencingToken();
            lock.unlock();
            return token;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> shardSubscribers(master, channel) == 1);
        for (String node : redis.cluster().masters()) {
            assertThat(patternSubscriptions(node)).as("no pattern subscription on %s", node).isZero();
            if (!node.equals(master)) {
                assertThat(shardSubscribers(node, channel)).as("not subscribed on %s", node).isZero();
            }
        }
        io.distlock.testing.Waiter.awaitParked(waiter.get());   // the waiter is parked on its watch
        Map<String, Long> calls;
        try (Jedis jedis = RedisCluster.connect(master)) {
            jedis.configResetStat();
            long before = held.getFencingToken();
            held.unlock();
            assertThat(waited.get(10, TimeUnit.SECONDS)).isGreaterThan(before);
            calls = RedisTestSupport.commandCalls(jedis);
        }
        System.out.println("RedisClusterTest: commands on the lock's master around one release to a waiter: " + calls);
        // the holder's release, which the waiter waited for, is announced on the lock's shard;
        // the waiter's own, which nobody waited for, is not announced
        assertThat(calls.get("spublish")).isEqualTo(1L);
        assertThat(calls).doesNotContainKey("publish");
        // the release, the waiter's one attempt and its unlock: a polling waiter would make more
        assertThat(calls.getOrDefault("evalsha", 0L)).isBetween(3L, 4L);
        // the subscription is given up a while after its last waiter left
        await().atMost(Duration.ofSeconds(30)).until(() -> shardSubscribers(master, channel) == 0);
    }

    @Test
    void aFairLockOnAClusterServesItsQueueInOrder() throws Exception {
        RedisLockFactory f = factory(LockOptions.builder().fair(true).build());
        String name = "fair-cluster";
        String queue = prefix + "{" + name + "}:fq";
        String master = redis.cluster().masterOf(queue);
        RedisLock holder = f.getLock(name);
        holder.lock();
        List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int id = i;
            Thread t = new Thread(() -> {
                RedisLock lock = f.getLock(name);
                lock.lock();
                order.add(id);
                lock.unlock();
            });
            threads.add(t);
            t.start();
            try (Jedis jedis = RedisCluster.connect(master)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> jedis.zcard(queue) == id + 1);
            }
        }
        holder.unlock();
        for (Thread t : threads) {
            t.join(20_000);
        }
        assertThat(order).containsExactly(0, 1, 2, 3);
    }

    @Test
    void aFactoryOverAClusterClientOfTheUsersOwnUsesShardedAnnouncementsToo() throws Exception {
        try (RedisClusterClient client = RedisClusterClient.create(redis.cluster().hostsAndPorts())) {
            RedisLockFactory f = RedisLockFactory.builder().client(client).keyPrefix(prefix).build();
            factories.add(f);
            RedisLockFactory other = factory(LockOptions.defaults());
            String name = "own-client";
            String channel = prefix + "{" + name + "}";
            RedisLock held = other.getLock(name);
            held.lock();
            CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> {
                try {
                    RedisLock lock = f.getLock(name);
                    boolean got = lock.tryLock(20, TimeUnit.SECONDS);
                    lock.unlock();
                    return got;
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> shardSubscribers(redis.cluster().masterOf(channel), channel) == 1);
            held.unlock();
            assertThat(waited.get(10, TimeUnit.SECONDS)).isTrue();
            f.close();
        }
    }

    @Test
    void aWaitersSubscriptionFollowsItsSlotToTheNewMasterAndTheReleaseStillWakesIt() throws Exception {
        RedisLockFactory holderSide = factory(LockOptions.defaults());
        RedisLockFactory waiterSide = factory(LockOptions.defaults());
        String name = "migrating";
        String channel = prefix + "{" + name + "}";
        int slot = JedisClusterCRC16.getSlot(channel);
        String source = redis.cluster().masterOf(channel);
        String target = redis.cluster().masters().stream().filter(m -> !m.equals(source)).findFirst().orElseThrow();
        RedisLock held = holderSide.getLock(name);
        held.lock();
        CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> {
            RedisLock lock = waiterSide.getLock(name);
            lock.lock();
            long at = System.nanoTime();
            lock.unlock();
            return at;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> shardSubscribers(source, channel) == 1);
        try {
            redis.cluster().migrateSlot(slot, target);
            // the old master ends the subscription when it loses the slot; the waiter subscribes on the new one
            await().atMost(Duration.ofSeconds(20)).until(() -> shardSubscribers(target, channel) == 1);
            assertThat(shardSubscribers(source, channel)).isZero();
            long released = System.nanoTime();
            held.unlock();   // a redirection takes the release to the new master
            long wokenMillis = TimeUnit.NANOSECONDS.toMillis(waited.get(20, TimeUnit.SECONDS) - released);
            System.out.println("RedisClusterTest: slot " + slot + " moved from " + source + " to " + target
                    + " under a waiter; the release woke it " + wokenMillis + " ms later");
            // the lease the waiter watched had 30 s left: a waiter woken by its timer would take that long
            assertThat(wokenMillis).isLessThan(5_000);
        } finally {
            redis.cluster().migrateSlot(slot, source);
        }
    }

    @Test
    void buildingOverSeedsThatDoNotAnswerFailsWithTheSeedsNamed() {
        int port = ProcessControl.freePort();
        assertThatThrownBy(() -> RedisLockFactory.builder()
                .clusterNodes(List.of(new HostAndPort("127.0.0.1", port)))
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(500).build())
                .build())
                .isInstanceOf(LockBackendException.class)
                .hasMessageContaining("127.0.0.1:" + port)
                .hasMessageContaining("Redis Cluster");
        assertThatThrownBy(() -> RedisLockFactory.builder().clusterNodes(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one seed");
        assertThatThrownBy(() -> RedisLockFactory.builder().clusterNodes(List.of(HostAndPort.from("127.0.0.1:1")))
                .hostAndPort("127.0.0.1", 1).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("exactly one of");
    }

    /**
     * A node's sharded subscription connection whose flow is dropped without a reset: the
     * heartbeat (a channel subscribed again, which the node confirms) goes unanswered, the
     * connection is closed and the channel subscribed again, and a release wakes a waiter of
     * another factory within the bound ({@link SubscriptionCut}). Only the waiter's factory
     * reaches the nodes through relays, one per node.
     */
    @Test
    void aReleaseStillWakesAWaiterPromptlyAfterItsShardedSubscriptionsFlowWasDropped() throws Exception {
        Map<Integer, BlackholeRelay> relays = new java.util.HashMap<>();
        try {
            for (HostAndPort node : redis.cluster().hostsAndPorts()) {
                relays.put(node.getPort(), BlackholeRelay.to(node.getHost(), node.getPort()));
            }
            LockOptions options = LockOptions.builder().leaseTime(RedisSubscriptionHealthTest.LEASE).build();
            RedisLockFactory holder = factory(options);
            RedisLockFactory waiter = RedisLockFactory.builder().clusterNodes(redis.cluster().hostsAndPorts())
                    .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000).hostAndPortMapper(a -> {
                        BlackholeRelay r = relays.get(a.getPort());
                        return r == null ? a : new HostAndPort(r.host(), r.port());
                    }).build())
                    .keyPrefix(prefix).options(options).build();
            factories.add(waiter);
            String name = "cut";
            String waitingKey = prefix + "{" + name + "}:w";
            try (Jedis jedis = RedisCluster.connect(redis.cluster().masterOfSlot(JedisClusterCRC16.getSlot(waitingKey)))) {
                SubscriptionCut.run(holder.getLock(name), waiter.getLock(name), () -> jedis.scard(waitingKey) == 1,
                        List.copyOf(relays.values())).assertPrompt();
            }
        } finally {
            relays.values().forEach(BlackholeRelay::close);
        }
    }
}
