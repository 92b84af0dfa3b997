package io.distlock.redis;

import io.distlock.DistributedLockFactory;
import io.distlock.LeaseListener;
import io.distlock.LockOptions;
import io.distlock.ReadWriteLockContractTest;
import io.distlock.testing.RedisClusters;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;

/** The read/write lock contract on a real Redis Cluster, through the factory's cluster client. */
class RedisClusterReadWriteLockTest extends ReadWriteLockContractTest {

    @RegisterExtension
    static final RedisClusters redis = RedisClusters.shared();

    private final String prefix = "rwtest:" + UUID.randomUUID() + ":";

    @Override
    protected DistributedLockFactory newFactory(LockOptions options, LeaseListener listener) {
        return RedisLockFactory.builder().clusterNodes(redis.cluster().hostsAndPorts())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000).build())
                .keyPrefix(prefix).options(options).leaseListener(listener).build();
    }

    @Override
    protected List<String> leftovers() {
        return RedisTestSupport.leftovers(redis.cluster(), prefix);
    }

    @Override
    protected void pauseServer() {
        redis.cluster().pauseAll();
    }

    @Override
    protected void resumeServer() {
        redis.cluster().resumeAll();
    }
}
