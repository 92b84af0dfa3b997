package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.distlock.LeaseLostException;
import io.distlock.LockOptions;
import io.distlock.testing.RedisCluster;
import io.distlock.testing.RedisClusters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

/**
 * A master of a Redis Cluster killed while it holds locks and others contend: its replica takes
 * over. A lock whose acquisition reached the replica survives; one that had not (the replica was
 * frozen, so replication, which is asynchronous, lagged) is lost, and its holder is told.
 * A cluster of its own, with a node timeout of one second, so the failover is quick.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RedisClusterFailoverTest {

    @RegisterExtension
    static final RedisClusters redis = RedisClusters.own(3, 1, Duration.ofSeconds(1));

    private final String prefix = "failover:" + UUID.randomUUID() + ":";

    private RedisLockFactory factory(LockOptions options, io.distlock.LeaseListener listener) {
        return RedisLockFactory.builder().clusterNodes(redis.cluster().hostsAndPorts())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(1_000).build())
                .keyPrefix(prefix).options(options).leaseListener(listener).build();
    }

    /** A lock name whose slot {@code master} serves. */
    private String nameOn(String master, String base) {
        for (int i = 0; i < 10_000; i++) {
            String name = base + "-" + i;
            if (redis.cluster().masterOf(prefix + "{" + name + "}").equals(master)) {
                return name;
            }
        }
        throw new IllegalStateException("no name on " + master);
    }

    private static boolean onReplica(String replica, String key) {
        try (Jedis jedis = RedisCluster.connect(replica)) {
            jedis.readonly();
            return jedis.exists(key);
        }
    }

    @Test
    void aKilledMastersReplicaTakesOverLocksItHadSurviveOthersAreReportedLostAndTokensKeepGrowing() throws Exception {
        RedisCluster cluster = redis.cluster();
        String master = cluster.masters().get(0);
        String replica = cluster.replicaOf(master);
        int masterPort = Integer.parseInt(master.substring(master.lastIndexOf(':') + 1));
        int replicaPort = Integer.parseInt(replica.substring(replica.lastIndexOf(':') + 1));
        String replicated = nameOn(master, "replicated");
        String unreplicated = nameOn(master, "unreplicated");
        List<String> lost = new CopyOnWriteArrayList<>();
        // a lease longer than the failover takes (node timeout, election, the client's new slot
        // map): a holder that cannot renew for a whole lease must count its lock as lost
        LockOptions options = LockOptions.builder().leaseTime(Duration.ofSeconds(10)).build();
        try (RedisLockFactory holderSide = factory(options, (n, fence) -> lost.add(n));
             RedisLockFactory waiterSide = factory(options, (n, fence) -> { });
             RedisLockFactory loadSide = factory(LockOptions.defaults(), (n, fence) -> { })) {
            // load: lock+unlock over names on every master, until stopped
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            List<Thread> load = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int id = t;
                Thread thread = new Thread(() -> {
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    for (int i = 0; !stop.get() && System.nanoTime() - end < 0; i++) {
                        var lock = loadSide.getLock("load-" + id + "-" + (i % 20));
                        try {
                            if (lock.tryLock(2, TimeUnit.SECONDS)) {
                                lock.unlock();
                                done.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "load-" + t);
                load.add(thread);
                thread.start();
            }

            var kept = holderSide.getLock(replicated);
            kept.lock();
            await().atMost(Duration.ofSeconds(10)).until(() -> onReplica(replica, prefix + "{" + replicated + "}"));
            // replication stops: the replica frozen, and its link cut by the master (what the
            // master had already sent may sit in the frozen replica's socket buffer and arrive
            // later; what it writes after the cut cannot), so the next acquisition stays on the
            // master only, as an acquisition still in the replication stream when a master dies
            cluster.pause(replicaPort);
            try (Jedis jedis = RedisCluster.connect(master)) {
                jedis.clientKill(new ClientKillParams().type(ClientType.REPLICA));
            }
            var gone = holderSide.getLock(unreplicated);
            long goneToken;
            CompletableFuture<Long> waiter;
            long killedAt;
            try {
                gone.lock();
                goneToken = gone.getFencingToken();
                waiter = CompletableFuture.supplyAsync(() -> {
                    var lock = waiterSide.getLock(unreplicated);
                    try {
                        if (!lock.tryLock(60, TimeUnit.SECONDS)) {
                            return -1L;
                        }
                    } catch (InterruptedException e) {
                        return -1L;
                    }
                    long token = lock.getFencingToken();
                    lock.unlock();
                    return token;
                });
                Thread.sleep(200);   // the waiter is waiting on the master
                cluster.kill(masterPort);
                killedAt = System.nanoTime();
            } finally {
                cluster.resume(replicaPort);
            }
            long doneAtKill = done.get();
            long waiterToken = waiter.get(60, TimeUnit.SECONDS);
            long waiterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            assertThat(cluster.masterOf(prefix + "{" + unreplicated + "}")).isEqualTo(replica);
            assertThat(waiterToken).as("the next holder's token, after the failover").isGreaterThan(goneToken);

            await().atMost(Duration.ofSeconds(30)).until(() -> lost.contains(unreplicated));
            long toldMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            assertThat(gone.isHeldByCurrentThread()).isFalse();
            assertThatThrownBy(gone::unlock).isInstanceOf(LeaseLostException.class);

            // the replicated lock is still this holder's: renewed on the new master, released cleanly
            assertThat(kept.isHeldByCurrentThread()).isTrue();
            kept.unlock();
            assertThat(lost).containsExactly(unreplicated);

            await().atMost(Duration.ofSeconds(30)).until(() -> done.get() > doneAtKill + 100);
            stop.set(true);
            for (Thread t : load) {
                t.join(30_000);
            }
            System.out.printf("RedisClusterFailoverTest: master %s killed; the waiter got the lost lock %d ms later "
                    + "(token %d > %d); its holder was told after %d ms; the replicated lock survived; load: %d "
                    + "acquisitions (%d before the kill), %d failed calls%n", master, waiterMillis, waiterToken,
                    goneToken, toldMillis, done.get(), doneAtKill, failed.get());
        } finally {
            cluster.restart(masterPort);   // it rejoins as a replica of the node that took over
            cluster.awaitHealthy(Duration.ofSeconds(60));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> RedisTestSupport.leftovers(cluster, prefix).isEmpty());
    }
}
