package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distlock.DistributedLock;
import io.distlock.DistributedReadWriteLock;
import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.testing.Holder;
import io.distlock.testing.RedisServers;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;

/**
 * Access control on a real server: an ACL user holding only what the lock needs (the minimal ACL
 * documented in {@link RedisLockFactory}) can do everything; a wrong password and a user without
 * permission on the prefix fail at once, with a permanent error that says what to fix, and leave
 * nothing on the server.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisAccessTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    /** The commands the lock sends (EVALSHA, EVAL, EXISTS, PSUBSCRIBE), those its scripts run, and the handshake's. */
    static final String MINIMAL_COMMANDS = "+evalsha +eval +exists +psubscribe +punsubscribe +ping +hello +auth "
            + "+client|setinfo +set +get +del +publish +time +pttl +pexpire +zadd +zrem +zscore +zcard +zrange "
            + "+zremrangebyscore +sadd +srem";

    @BeforeAll
    static void createUsers() {
        String rules = "on >s3cret resetkeys ~locks:* resetchannels &locks:* &locks:{* -@all " + MINIMAL_COMMANDS;
        try (Jedis admin = RedisTestSupport.connect(redis.first())) {
            try {
                admin.aclSetUser("locker", rules.split(" "));
            } catch (redis.clients.jedis.exceptions.JedisDataException olderThan72) {
                // CLIENT SETINFO (sent by Jedis when connecting, its errors ignored) came with Redis 7.2
                admin.aclSetUser("locker", rules.replace(" +client|setinfo", "").split(" "));
            }
        }
    }

    private RedisLockFactory.Builder builder(String user, String password, String prefix) {
        return RedisLockFactory.builder()
                .hostAndPort(redis.first().host(), redis.first().port())
                .clientConfig(DefaultJedisClientConfig.builder().user(user).password(password).timeoutMillis(2_000).build())
                .keyPrefix(prefix);
    }

    /** The same commands serve fair locks: exclusive and read/write waiters queue, and get in turn. */
    @Test
    void aUserWithTheMinimalAclCanQueueOnFairLocks() throws Exception {
        io.distlock.LockOptions fair = io.distlock.LockOptions.builder().fair(true).build();
        try (RedisLockFactory a = builder("locker", "s3cret", "locks:").options(fair).build();
             RedisLockFactory b = builder("locker", "s3cret", "locks:").options(fair).build()) {
            DistributedLock held = a.getLock("acl-fair");
            held.lock();
            // returns once the waiter has queued and waits
            CompletableFuture<Boolean> waiter = io.distlock.testing.Waiter.takeAndReleaseOnceWaiting(b.getLock("acl-fair"), 20);
            held.unlock();
            assertThat(waiter.get(30, TimeUnit.SECONDS)).as("the queued waiter got the lock").isTrue();

            DistributedReadWriteLock rw = a.getReadWriteLock("acl-fair-rw");
            rw.writeLock().lock();
            CompletableFuture<Boolean> reader = io.distlock.testing.Waiter.takeAndReleaseOnceWaiting(
                    b.getReadWriteLock("acl-fair-rw").readLock(), 20);
            rw.writeLock().unlock();
            assertThat(reader.get(30, TimeUnit.SECONDS)).as("the queued reader got the lock").isTrue();
            assertThat(b.getReadWriteLock("acl-fair-rw").writeLock().tryLock(0, TimeUnit.SECONDS)).isTrue();
            b.getReadWriteLock("acl-fair-rw").writeLock().unlock();
        }
    }

    @Test
    void aUserWithTheMinimalAclCanLockWaitAndUseReadWriteLocks() throws Exception {
        try (RedisLockFactory a = builder("locker", "s3cret", "locks:").verifyOnBuild(true).build();
             RedisLockFactory b = builder("locker", "s3cret", "locks:").build()) {
            DistributedLock held = a.getLock("acl");
            held.lock();
            // a waiter in another factory is woken by the release announcement (PSUBSCRIBE, PUBLISH)
            CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
                DistributedLock lock = b.getLock("acl");
                long start = System.nanoTime();
                try {
                    assertThat(lock.tryLock(20, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                lock.unlock();
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            });
            try (Jedis admin = RedisTestSupport.connect(redis.first())) {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                        .until(() -> admin.pubsubNumPat() >= 1);
            }
            held.renew(java.time.Duration.ofSeconds(30));
            held.unlock();
            assertThat(waiter.get(30, TimeUnit.SECONDS)).isLessThan(10_000);
            DistributedReadWriteLock rw = a.getReadWriteLock("acl-rw");
            rw.writeLock().lock();
            rw.readLock().lock();
            rw.writeLock().unlock();
            rw.readLock().unlock();
            assertThat(held.info().isLocked()).isFalse();
        }
        assertThat(RedisTestSupport.leftovers(redis.first(), "locks:")).isEmpty();
    }

    @Test
    void aWrongPasswordFailsAtOnceWithAPermanentError() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> builder("locker", "wrong", "locks:").verifyOnBuild(true).build())
                .isInstanceOf(LockBackendException.class)
                .hasMessageContaining("could not verify access to Redis at " + redis.first().host())
                .hasMessageContaining("WRONGPASS")
                .hasMessageContaining("check the user, the password")
                .matches(e -> ((LockBackendException) e).isPermanent(), "is permanent");
        try (RedisLockFactory f = builder("locker", "wrong", "locks:").build()) {
            DistributedLock lock = f.getLock("wrong-password");
            assertThatThrownBy(lock::lock)
                    .isInstanceOf(LockBackendException.class)
                    .hasMessageContaining("WRONGPASS")
                    .matches(e -> ((LockBackendException) e).isPermanent(), "is permanent");
            assertThat(lock.getHoldCount()).isZero();
        }
        // without the default 8 retries and their pauses (about 4.5 s)
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);
    }

    @Test
    void aUserWithoutPermissionOnThePrefixFailsAtOnceAndLeavesNothing() {
        long start = System.nanoTime();
        try (RedisLockFactory f = builder("locker", "s3cret", "other:").options(LockOptions.defaults()).build()) {
            DistributedLock lock = f.getLock("forbidden");
            assertThatThrownBy(lock::lock)
                    .isInstanceOf(LockBackendException.class)
                    .hasMessageContaining("NOPERM")
                    .hasMessageContaining("ACL rules")
                    .matches(e -> ((LockBackendException) e).isPermanent(), "is permanent");
            assertThatThrownBy(() -> f.getReadWriteLock("forbidden").writeLock().tryLock())
                    .isInstanceOf(LockBackendException.class).hasMessageContaining("NOPERM");
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);
        assertThat(RedisTestSupport.keys(redis.first(), "other:")).isEmpty();
    }

    @Test
    void aReadOnlyReplicaIsAPermanentError() throws Exception {
        try (Jedis admin = RedisTestSupport.connect(redis.first())) {
            // this server as a replica of nothing reachable: it refuses writes with READONLY
            admin.replicaof("127.0.0.1", 1);
            try (RedisLockFactory f = builder("locker", "s3cret", "locks:").build()) {
                assertThatThrownBy(() -> f.getLock("replica").lock())
                        .isInstanceOf(LockBackendException.class)
                        .hasMessageContaining("READONLY")
                        .hasMessageContaining("read-only replica")
                        .matches(e -> ((LockBackendException) e).isPermanent(), "is permanent");
            } finally {
                admin.replicaofNoOne();
            }
        }
        try (RedisLockFactory f = builder("locker", "s3cret", "locks:").build(); Holder h = Holder.hold(f.getLock("replica"))) {
            assertThat(h.release()).isNull();
        }
    }
}
