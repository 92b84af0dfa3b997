package io.distlock.redis;

import io.distlock.DistributedLockFactory;
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
    protected DistributedLockFactory newSource(LockOptions options, LeaseListener listener) {
        return RedisLockFactory.builder()
                .hostAndPort(redis.first().host(), redis.first().port())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000).build())
                .keyPrefix(prefix)
                .options(options)
                .handOverToWaiters(handOver() && !options.fair() && options.watchdog())
                .leaseListener(listener)
                .build();
    }

    /** Whether releases hand the lock to a waiter (non-fair locks with the watchdog; see the subclass). */
    protected boolean handOver() {
        return false;
    }

    @Override
    protected List<String> lockedNamesOnServer() {
        return RedisTestSupport.leftovers(redis.first(), prefix);
    }

    /** Fair locks: a token at the tail of the queue {@code P{N}:fq}, with its alive key {@code P{N}:fw:T}. */
    @Override
    protected AutoCloseable queueAStalledWaiter(String lockName) {
        if (!fair()) {
            return null;
        }
        String token = "stalled-" + UUID.randomUUID();
        String base = prefix + "{" + lockName + "}";
        return RedisTestSupport.queueUntilClosed(redis.first(), base + ":fq", token, base + ":fw:" + token);
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

    /** An attempt that could outlast the time left runs on a helper thread, given up at the deadline. */
    @Override
    protected long deadlineSlackMillis() {
        return 1_000;
    }
}
