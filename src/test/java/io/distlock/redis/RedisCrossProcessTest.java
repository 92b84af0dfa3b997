package io.distlock.redis;

import io.distlock.CrossProcessTest;
import io.distlock.DistributedLockFactory;
import io.distlock.testing.RedisServers;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** Separate JVMs sharing RedisLocks. */
class RedisCrossProcessTest extends CrossProcessTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    @Override
    protected String spec() {
        return "redis:" + redis.first().host() + ":" + redis.first().port();
    }

    @Override
    protected DistributedLockFactory locks(String prefix) {
        return RedisLockFactory.builder().hostAndPort(redis.first().host(), redis.first().port())
                .keyPrefix(prefix).build();
    }

    @Override
    protected List<String> leftovers(String prefix) {
        return RedisTestSupport.leftovers(redis.first(), prefix);
    }

    @Override
    protected int queuedOnServer(String prefix, String lockName) {
        try (Jedis jedis = RedisTestSupport.connect(redis.first())) {
            return (int) jedis.zcard(prefix + "{" + lockName + "}:fq");
        }
    }

    @Override
    protected int queuedReadWriteOnServer(String prefix, String lockName) {
        try (Jedis jedis = RedisTestSupport.connect(redis.first())) {
            return (int) jedis.zcard(prefix + "{" + lockName + "}:rw:q");
        }
    }

    @Override
    protected String takeCounter(String key) {
        try (Jedis jedis = RedisTestSupport.connect(redis.first())) {
            String v = jedis.get(key);
            jedis.del(key);
            return v;
        }
    }
}
