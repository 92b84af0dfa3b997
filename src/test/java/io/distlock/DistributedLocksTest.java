package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distlock.redis.RedisLockFactory;
import io.distlock.testing.RedisServers;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The static entry point for legacy code, against a real redis-server: configuration from system
 * properties and from the environment, the errors when it is missing or wrong, fair and non-fair
 * factories, and exclusion with locks of an ordinary factory on the same server and prefix.
 */
class DistributedLocksTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    private static final String[] PROPERTIES = {DistributedLocks.REDIS_PROPERTY, DistributedLocks.ETCD_PROPERTY,
        DistributedLocks.KEY_PREFIX_PROPERTY, DistributedLocks.LEASE_TIME_PROPERTY,
        DistributedLocks.REDIS_PASSWORD_PROPERTY};

    @BeforeEach
    @AfterEach
    void clean() {
        for (String p : PROPERTIES) {
            System.clearProperty(p);
        }
        DistributedLocks.reset(name -> null);
    }

    private String address() {
        return redis.first().host() + ":" + redis.first().port();
    }

    @Test
    void withNothingConfiguredTheFirstLockNamesTheSettings() {
        assertThatThrownBy(() -> DistributedLocks.reentrantLock("a"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("distlock.redis=host:port")
                .hasMessageContaining("DISTLOCK_REDIS")
                .hasMessageContaining("distlock.etcd")
                .hasMessageContaining("DISTLOCK_ETCD");
    }

    @Test
    void bothBackEndsOrMalformedSettingsAreRefused() {
        System.setProperty(DistributedLocks.REDIS_PROPERTY, address());
        System.setProperty(DistributedLocks.ETCD_PROPERTY, "http://127.0.0.1:2379");
        assertThatThrownBy(() -> DistributedLocks.reentrantLock("a"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("set only one");
        System.clearProperty(DistributedLocks.ETCD_PROPERTY);
        System.setProperty(DistributedLocks.REDIS_PROPERTY, "no-port");
        assertThatThrownBy(() -> DistributedLocks.reentrantLock("a"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("must be host:port");
        System.setProperty(DistributedLocks.REDIS_PROPERTY, address());
        System.setProperty(DistributedLocks.LEASE_TIME_PROPERTY, "ten seconds");
        assertThatThrownBy(() -> DistributedLocks.reentrantLock("a"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> DistributedLocks.reentrantLock(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void systemPropertiesConfigureARedisFactoryWhoseLocksExcludeAnOrdinaryFactorysLocks() throws Exception {
        System.setProperty(DistributedLocks.REDIS_PROPERTY, address());
        System.setProperty(DistributedLocks.KEY_PREFIX_PROPERTY, "legacy:");
        System.setProperty(DistributedLocks.LEASE_TIME_PROPERTY, "PT7S");
        ReentrantLock lock = DistributedLocks.reentrantLock("com.acme.Counter.lock");
        assertThat(lock).isSameAs(DistributedLocks.reentrantLock("com.acme.Counter.lock"));
        assertThat(lock.isFair()).isFalse();
        assertThat(((DistributedLock) lock).info()).isNotNull();
        try (RedisLockFactory other = RedisLockFactory.builder().hostAndPort(redis.first().host(), redis.first().port())
                .keyPrefix("legacy:").build()) {
            DistributedLock theirs = other.getLock("com.acme.Counter.lock");
            lock.lock();
            try {
                assertThat(runElsewhere(theirs)).as("held here, so the other factory cannot take it").isFalse();
                Duration left = ((DistributedLock) lock).info().remainingLease().orElseThrow();
                assertThat(left).as("the 7 s lease set by property").isPositive()
                        .isLessThanOrEqualTo(Duration.ofSeconds(7));
            } finally {
                lock.unlock();
            }
            assertThat(runElsewhere(theirs)).as("released here").isTrue();
        }
    }

    @Test
    void fairAndReadWriteLocksAndNamedConditions() throws Exception {
        System.setProperty(DistributedLocks.REDIS_PROPERTY, address());
        ReentrantLock fair = DistributedLocks.reentrantLock("fair-one", true);
        assertThat(fair.isFair()).isTrue();
        assertThat(DistributedLocks.reentrantLock("plain-one").isFair()).isFalse();
        ReentrantReadWriteLock rw = DistributedLocks.readWriteLock("table");
        assertThat(rw.isFair()).isFalse();
        assertThat(DistributedLocks.readWriteLock("fair-table", true).isFair()).isTrue();
        rw.readLock().lock();
        try {
            assertThat(rw.writeLock().tryLock()).as("a read hold keeps writers out").isFalse();
        } finally {
            rw.readLock().unlock();
        }
        Lock lock = DistributedLocks.reentrantLock("buffer");
        Condition notEmpty = DistributedLocks.condition(lock, "notEmpty");
        assertThat(DistributedLocks.condition(lock, "notEmpty")).isSameAs(notEmpty);
        assertThat(DistributedLocks.condition(rw.writeLock(), "changed")).isNotNull();
        lock.lock();
        try {
            assertThat(notEmpty.await(50, TimeUnit.MILLISECONDS)).as("nobody signals").isFalse();
            assertThat(((DistributedLock) lock).isHeldByCurrentThread()).isTrue();
        } finally {
            lock.unlock();
        }
        assertThatThrownBy(() -> DistributedLocks.condition(new ReentrantLock(), "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a distributed lock");
    }

    @Test
    void theEnvironmentIsReadWhenNoSystemPropertyIsSet() throws Exception {
        Map<String, String> env = Map.of("DISTLOCK_REDIS", address(), "DISTLOCK_KEY_PREFIX", "env:");
        DistributedLocks.reset(env::get);
        DistributedReentrantLock lock = DistributedLocks.reentrantLock("from-env");
        try (RedisLockFactory other = RedisLockFactory.builder().hostAndPort(redis.first().host(), redis.first().port())
                .keyPrefix("env:").build()) {
            lock.lock();
            try {
                assertThat(runElsewhere(other.getLock("from-env"))).isFalse();
            } finally {
                lock.unlock();
            }
        }
    }

    @Test
    void resetClosesTheFactoriesSoTheirLocksRefuseNewHolds() {
        System.setProperty(DistributedLocks.REDIS_PROPERTY, address());
        DistributedReentrantLock lock = DistributedLocks.reentrantLock("closing");
        DistributedLocks.reset(name -> null);
        assertThatThrownBy(lock::lock).isInstanceOf(IllegalStateException.class);
    }

    /** Whether {@code lock} can be taken (and is then released) by another thread. */
    private static boolean runElsewhere(DistributedLock lock) throws Exception {
        boolean[] got = new boolean[1];
        Thread t = new Thread(() -> {
            try {
                got[0] = lock.tryLock(200, TimeUnit.MILLISECONDS);
                if (got[0]) {
                    lock.unlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        t.join();
        return got[0];
    }
}
