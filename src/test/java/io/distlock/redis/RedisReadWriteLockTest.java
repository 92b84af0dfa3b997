package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.distlock.DistributedLockFactory;
import io.distlock.DistributedReadWriteLock;
import io.distlock.LeaseListener;
import io.distlock.LockOptions;
import io.distlock.ReadWriteLockContractTest;
import io.distlock.testing.RedisServers;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

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

    /** The fair queue's entries (waiting readers and writers; holders leave it). */
    @Override
    protected int queuedOnServer(String lockName) {
        try (Jedis admin = RedisTestSupport.connect(redis.first())) {
            return (int) admin.zcard(prefix + "{" + lockName + "}:rw:q");
        }
    }

    /**
     * Fair locks: {@code "w" + T} at the tail of the queue {@code P{N}:rw:q}, with its alive key
     * {@code P{N}:rw:qa:T}; non-fair: the writer's intent {@code P{N}:rw:i}.
     */
    @Override
    protected AutoCloseable queueAStalledWriter(String lockName) {
        String token = "stalled-" + UUID.randomUUID();
        String base = prefix + "{" + lockName + "}:rw";
        if (fair()) {
            return RedisTestSupport.queueUntilClosed(redis.first(), base + ":q", "w" + token, base + ":qa:" + token);
        }
        try (Jedis admin = RedisTestSupport.connect(redis.first())) {
            admin.psetex(base + ":i", 600_000, token);
        }
        return () -> {
            try (Jedis admin = RedisTestSupport.connect(redis.first())) {
                admin.del(base + ":i");
            }
        };
    }

    @Override
    protected void pauseServer() {
        redis.first().pause();
    }

    @Override
    protected void resumeServer() {
        redis.first().resume();
    }

    /**
     * A write tryLock() that finds readers in marks no writer intent: it neither shuts out new
     * readers for a moment nor wakes the lock's waiters (before, it marked the intent and then
     * cleared it with a second call, which announced the change to every waiting JVM).
     */
    @Test
    void aBusyWriteTryLockMarksNoIntentAndWakesNobody() throws Exception {
        DistributedLockFactory readers = factory(LockOptions.defaults());
        DistributedLockFactory writers = factory(LockOptions.defaults());
        String name = "busy-trylock";
        String channel = prefix + "{" + name + "}:rw";
        List<String> heard = new CopyOnWriteArrayList<>();
        JedisPubSub listener = new JedisPubSub() {
            @Override
            public void onMessage(String ch, String message) {
                heard.add(message);
            }
        };
        try (Jedis sub = RedisTestSupport.connect(redis.first()); Jedis admin = RedisTestSupport.connect(redis.first())) {
            CompletableFuture<Void> subscribed = CompletableFuture.runAsync(() -> sub.subscribe(listener, channel));
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.pubsubNumSub(channel).getOrDefault(channel, 0L) == 1L);
            DistributedReadWriteLock rw = readers.getReadWriteLock(name);
            rw.readLock().lock();
            try {
                admin.configResetStat();
                for (int i = 0; i < 5; i++) {
                    assertThat(writers.getReadWriteLock(name).writeLock().tryLock()).isFalse();
                }
                assertThat(admin.exists(prefix + "{" + name + "}:rw:i")).as("a writer intent").isFalse();
                // nothing announced on the server (PUBLISH in a script counts there too), so nothing
                // can arrive later
                assertThat(RedisTestSupport.commandCalls(admin)).as("commands the tryLocks ran").doesNotContainKey("publish");
                assertThat(heard).as("announcements heard").isEmpty();
            } finally {
                rw.readLock().unlock();
                listener.unsubscribe();
                subscribed.get(10, TimeUnit.SECONDS);
            }
        }
    }
}
