package io.distlock.redis;

/**
 * The lock contract against a real redis-server, with releases that hand the lock to a waiter
 * (RedisLockFactory.Builder.handOverToWaiters) wherever the options allow it (non-fair locks
 * renewed by the watchdog).
 */
class RedisHandOverContractTest extends RedisLockContractTest {

    @Override
    protected boolean handOver() {
        return true;
    }
}
