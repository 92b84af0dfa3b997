package io.distlock.redis;

import io.distlock.DistributedLockFactory;
import io.distlock.LeaseListener;
import io.distlock.LockOptions;
import io.distlock.ReadWriteLockContractTest;
import io.distlock.testing.RedisServers;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisReadWriteLockTest extends ReadWriteLockContractTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    private final String prefix = "rwtest:" + UUID.randomUUID() + ":";

    @Override
    protected DistributedLockFactory newFactory(LockOptions options, LeaseListener listener) {
        return RedisLockFactory.builder().hostAndPort(redis.first().host(), redis.first().port())
                .keyPrefix(prefix).options(options).leaseListener(listener).build();
    }

    @Override
    protected List<String> leftovers() {
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
}
