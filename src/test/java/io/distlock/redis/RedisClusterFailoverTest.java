package io.distlock.redis;

import static org.awaitility.Awaitility.await;

import io.distlock.LeaseListener;
import io.distlock.LockOptions;
import io.distlock.testing.RedisCluster;
import io.distlock.testing.RedisClusters;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

/**
 * A master of a Redis Cluster killed while it holds locks and others contend ({@link PrimaryFailover}).
 * A cluster of its own, with a node timeout of one second, so the failover is quick.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RedisClusterFailoverTest {

    @RegisterExtension
    static final RedisClusters redis = RedisClusters.own(3, 1, Duration.ofSeconds(1));

    private final String prefix = "failover:" + UUID.randomUUID() + ":";

    private static int port(String hostAndPort) {
        return Integer.parseInt(hostAndPort.substring(hostAndPort.lastIndexOf(':') + 1));
    }

    @Test
    void aKilledMastersReplicaTakesOverLocksItHadSurviveOthersAreReportedLostAndTokensKeepGrowing() throws Exception {
        RedisCluster cluster = redis.cluster();
        String master = cluster.masters().get(0);
        String replica = cluster.replicaOf(master);
        String figures;
        try {
            figures = PrimaryFailover.run(new PrimaryFailover.Topology() {
                @Override
                public RedisLockFactory factory(LockOptions options, LeaseListener listener) {
                    return RedisLockFactory.builder().clusterNodes(cluster.hostsAndPorts())
                            .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(1_000).build())
                            .keyPrefix(prefix).options(options).leaseListener(listener).build();
                }

                @Override
                public String nameOnDoomedPrimary(String base) {
                    for (int i = 0; i < 10_000; i++) {
                        String name = base + "-" + i;
                        if (cluster.masterOf(prefix + "{" + name + "}").equals(master)) {
                            return name;
                        }
                    }
                    throw new IllegalStateException("no name on " + master);
                }

                @Override
                public boolean onReplicas(String key) {
                    try (Jedis jedis = RedisCluster.connect(replica)) {
                        jedis.readonly();
                        return jedis.exists(key);
                    }
                }

                @Override
                public void stopReplication() {
                    // what the master had already sent may sit in the frozen replica's socket
                    // buffer and arrive later; what it writes after the cut cannot
                    cluster.pause(port(replica));
                    try (Jedis jedis = RedisCluster.connect(master)) {
                        jedis.clientKill(new ClientKillParams().type(ClientType.REPLICA));
                    }
                }

                @Override
                public void resumeReplication() {
                    cluster.resume(port(replica));
                }

                @Override
                public void killPrimary() {
                    cluster.kill(port(master));
                }

                @Override
                public boolean failedOver(String key) {
                    return cluster.masterOf(key).equals(replica);
                }
            }, prefix);
        } finally {
            cluster.restart(port(master));   // it rejoins as a replica of the node that took over
            cluster.awaitHealthy(Duration.ofSeconds(60));
        }
        System.out.println("RedisClusterFailoverTest: master " + master + " killed; " + figures);
        await().atMost(Duration.ofSeconds(30)).until(() -> RedisTestSupport.leftovers(cluster, prefix).isEmpty());
    }
}
