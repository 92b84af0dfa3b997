package io.distlock.redis;

/** The read/write lock contract with fair locks, run against a real redis-server. */
class RedisFairReadWriteLockTest extends RedisReadWriteLockTest {

    @Override
    protected boolean fair() {
        return true;
    }
}
