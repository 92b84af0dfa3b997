package io.distlock.redis;

import io.distlock.DistributedLock;
import io.distlock.DistributedLockContractTest;
import io.distlock.LeaseListener;
import io.distlock.LockOptions;
import io.distlock.testing.RedisServers;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;

/** The lock contract, run against a real redis-server. */
class RedisLockContractTest extends DistributedLockContractTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    private final String prefix = "contract:" + UUID.randomUUID() + ":";

    @Override
    protected LockSource newSource(LockOptions options, LeaseListener listener) {
        RedisLockFactory factory = RedisLockFactory.builder()
                .hostAndPort(redis.first().host(), redis.first().port())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000).build())
                .keyPrefix(prefix)
                .options(options)
                .leaseListener(listener)
                .build();
        return new LockSource() {
            @Override
            public DistributedLock getLock(String name) {
                return factory.getLock(name);
            }

            @Override
            public long registrySize() {
                return factory.localRegistrySize();
            }

            @Override
            public void close() {
                factory.close();
            }
        };
    }

    @Override
    protected List<String> lockedNamesOnServer() {
        return RedisTestSupport.leftovers(redis.first(), prefix);
    }

    @Override
    protected void pauseServer() {
        redis.first().pause();
    }

    @Override
    protected void resumeServer() {
        redis.first().resume();
    }

    @Override
    protected void killServer() {
        redis.first().kill();
    }

    @Override
    protected void restartServer() {
        redis.first().restart();
    }
}
