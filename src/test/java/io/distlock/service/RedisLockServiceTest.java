package io.distlock.service;

import io.distlock.DistributedLockFactory;
import io.distlock.LeaseListener;
import io.distlock.LockOptions;
import io.distlock.redis.RedisLockFactory;
import io.distlock.testing.RedisServers;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisLockServiceTest extends LockServiceContractTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    @Override
    protected DistributedLockFactory newFactory(LockOptions options, LeaseListener listener) {
        return RedisLockFactory.builder().hostAndPort(redis.first().host(), redis.first().port())
                .keyPrefix("service:").options(options).leaseListener(listener).build();
    }
}
