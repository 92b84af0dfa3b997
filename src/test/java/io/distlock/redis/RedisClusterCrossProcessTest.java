package io.distlock.redis;

import io.distlock.CrossProcessTest;
import io.distlock.DistributedLockFactory;
import io.distlock.testing.RedisCluster;
import io.distlock.testing.RedisClusters;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** Separate JVMs sharing RedisLocks on a real Redis Cluster. */
class RedisClusterCrossProcessTest extends CrossProcessTest {

    @RegisterExtension
    static final RedisClusters redis = RedisClusters.shared();

    @Override
    protected String spec() {
        return "redis-cluster:" + String.join(",", redis.cluster().seeds());
    }

    @Override
    protected DistributedLockFactory locks(String prefix) {
        return RedisLockFactory.builder().clusterNodes(redis.cluster().hostsAndPorts()).keyPrefix(prefix).build();
    }

    @Override
    protected List<String> leftovers(String prefix) {
        return RedisTestSupport.leftovers(redis.cluster(), prefix);
    }

    /**
     * 3,000 in CI: 10,000 items took 44 s here (23.6 s on one server: every condition wait
     * subscribes its own channel on its shard, one more round trip than the single pattern
     * subscription of a standalone server); {@code -Ddistlock.bufferItems=10000} runs the full count.
     */
    @Override
    protected int defaultBufferItems() {
        return 3_000;
    }

    @Override
    protected int queuedOnServer(String prefix, String lockName) {
        String key = prefix + "{" + lockName + "}:fq";
        try (Jedis jedis = RedisCluster.connect(redis.cluster().masterOf(key))) {
            return (int) jedis.zcard(key);
        }
    }

    @Override
    protected int queuedReadWriteOnServer(String prefix, String lockName) {
        String key = prefix + "{" + lockName + "}:rw:q";
        try (Jedis jedis = RedisCluster.connect(redis.cluster().masterOf(key))) {
            return (int) jedis.zcard(key);
        }
    }

    @Override
    protected String takeCounter(String key) {
        try (Jedis jedis = RedisCluster.connect(redis.cluster().masterOf(key))) {
            String v = jedis.get(key);
            jedis.del(key);
            return v;
        }
    }
}
