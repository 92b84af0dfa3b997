package io.distlock.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.DistributedLock;
import io.distlock.LockBackendException;
import io.distlock.redis.RedisLockFactory;
import io.distlock.testing.RedisSentinels;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * The Boot auto-configuration's mapping of {@code spring.data.redis.sentinel.username} and
 * {@code .password}, the sentinels' own credentials, against real redis-server sentinels that ask
 * for a password (the primary does not): with the password (alone, or with the user
 * {@code default}) the factory finds the primary through the sentinels and a lock is taken there
 * and released; without it, or with another user, the context fails with a permanent error that
 * names the refused authentication and the properties to set.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisSentinelAutoConfigurationTest {

    private static final String SENTINEL_PASSWORD = "sentinel-secret";

    @RegisterExtension
    static final RedisSentinels group = RedisSentinels.start(1, 1, Duration.ofSeconds(5))
            .withSentinelPassword(SENTINEL_PASSWORD);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DistributedLockAutoConfiguration.class));

    private ApplicationContextRunner viaSentinels(String prefix, String... more) {
        String nodes = group.sentinels().stream().map(HostAndPort::toString).collect(Collectors.joining(","));
        return runner.withPropertyValues("spring.data.redis.sentinel.master=" + RedisSentinels.MASTER_NAME,
                "spring.data.redis.sentinel.nodes=" + nodes, "distlock.key-prefix=" + prefix)
                .withPropertyValues(more);
    }

    @Test
    void withTheSentinelsPasswordALockIsTakenOnThePrimaryAndReleased() {
        String prefix = "boot-sentinel-" + UUID.randomUUID() + ":";
        viaSentinels(prefix, "spring.data.redis.sentinel.password=" + SENTINEL_PASSWORD).run(context -> {
            assertThat(context).hasNotFailed();
            assertTakenOnThePrimaryAndReleased(context.getBean(RedisLockFactory.class), prefix);
        });
    }

    @Test
    void theSentinelsUserIsSentWithTheirPassword() {
        String prefix = "boot-sentinel-user-" + UUID.randomUUID() + ":";
        viaSentinels(prefix, "spring.data.redis.sentinel.username=default",
                "spring.data.redis.sentinel.password=" + SENTINEL_PASSWORD).run(context -> {
            assertThat(context).hasNotFailed();
            assertTakenOnThePrimaryAndReleased(context.getBean(RedisLockFactory.class), prefix);
        });
        viaSentinels(prefix, "spring.data.redis.sentinel.username=someone-else",
                "spring.data.redis.sentinel.password=" + SENTINEL_PASSWORD).run(context -> {
            LockBackendException e = Failures.outermost(context.getStartupFailure(), LockBackendException.class);
            assertThat(e).hasMessageContaining("refused the authentication").hasMessageContaining("WRONGPASS");
            assertThat(e.isPermanent()).isTrue();
        });
    }

    @Test
    void withoutTheSentinelsPasswordTheContextFailsNamingTheRefusedAuthentication() {
        viaSentinels("boot-sentinel-nopass:").run(context -> {
            assertThat(context).hasFailed();
            LockBackendException e = Failures.outermost(context.getStartupFailure(), LockBackendException.class);
            assertThat(e).hasMessageContaining("Redis Sentinel")
                    .hasMessageContaining("sentinel " + group.sentinels().iterator().next())
                    .hasMessageContaining("refused the authentication")
                    .hasMessageContaining("NOAUTH Authentication required")
                    .hasMessageContaining("spring.data.redis.sentinel.password");
            assertThat(e.isPermanent()).as("permanent: every sentinel refused").isTrue();
        });
    }

    private static void assertTakenOnThePrimaryAndReleased(RedisLockFactory factory, String prefix)
            throws InterruptedException {
        DistributedLock lock = factory.getLock("orders");
        assertThat(lock.tryLock(10, TimeUnit.SECONDS)).isTrue();
        var primary = group.primary();
        try (Jedis jedis = new Jedis(new HostAndPort(primary.host(), primary.port()),
                DefaultJedisClientConfig.builder().timeoutMillis(5_000).build())) {
            assertThat(jedis.exists(prefix + "{orders}")).as("the lease, on the primary").isTrue();
            lock.unlock();
            assertThat(jedis.exists(prefix + "{orders}")).as("released").isFalse();
        }
    }
}
