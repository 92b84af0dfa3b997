package io.distlock.redis;

import io.distlock.DistributedLockContractTest;
import io.distlock.DistributedLockFactory;
import io.distlock.LeaseListener;
import io.distlock.LockOptions;
import io.distlock.testing.RedisClusters;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;

/**
 * The lock contract on a real Redis Cluster (3 masters, 3 replicas), through the factory's
 * cluster client: every lock on its own slot's master, releases by sharded pub/sub. The server
 * faults pause, kill and restart every node.
 */
class RedisClusterLockContractTest extends DistributedLockContractTest {

    @RegisterExtension
    static final RedisClusters redis = RedisClusters.shared();

    private final String prefix = "contract:" + UUID.randomUUID() + ":";

    @Override
    protected DistributedLockFactory newSource(LockOptions options, LeaseListener listener) {
        return RedisLockFactory.builder()
                .clusterNodes(redis.cluster().hostsAndPorts())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000).build())
                .keyPrefix(prefix)
                .options(options)
                .leaseListener(listener)
                .build();
    }

    @Override
    protected List<String> lockedNamesOnServer() {
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

    @Override
    protected void killServer() {
        redis.cluster().killAll();
    }

    @Override
    protected void restartServer() {
        redis.cluster().restartAll();
    }

    /** An attempt that could outlast the time left runs on a helper thread, given up at the deadline. */
    @Override
    protected long deadlineSlackMillis() {
        return 1_000;
    }
}
