package io.distlock.redis;

/** The lock contract with fair locks, run against a real redis-server. */
class RedisFairLockContractTest extends RedisLockContractTest {

    @Override
    protected boolean fair() {
        return true;
    }
}
