package io.distlock.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distlock.etcd.EtcdLockFactory;
import io.distlock.redis.RedisLockFactory;
import io.distlock.testing.EtcdServers;
import io.distlock.testing.RedisServers;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Routing by service name across a Redis and an etcd service. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LockManagerTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    private LockManager manager() {
        return new LockManager()
                .register("redis", LockService.of(RedisLockFactory.builder()
                        .hostAndPort(redis.first().host(), redis.first().port()).keyPrefix("manager:").build()))
                .register("etcd", LockService.of(EtcdLockFactory.builder()
                        .endpoints(etcd.get().endpoints().toArray(String[]::new)).keyPrefix("manager/").build()));
    }

    @Test
    void callsGoToTheNamedServiceOnly() throws Exception {
        String lock = "routed-" + UUID.randomUUID();
        try (LockManager m = manager()) {
            assertThat(m.names()).containsExactly("etcd", "redis");
            String r = m.withLock("redis", lock, () -> {
                assertThat(m.isLocked("redis", lock)).isTrue();
                assertThat(m.isLocked("etcd", lock)).as("same name, other back end").isFalse();
                assertThat(m.info("redis", lock).isHeldByCurrentThread()).isTrue();
                return "redis ran";
            });
            assertThat(r).isEqualTo("redis ran");
            LockResult<String> e = m.tryWithLock("etcd", lock, () -> {
                assertThat(m.isLocked("etcd", lock)).isTrue();
                assertThat(m.isLocked("redis", lock)).isFalse();
                m.renew("etcd", lock, Duration.ofSeconds(10));
                return "etcd ran";
            });
            assertThat(e.value()).isEqualTo("etcd ran");
            boolean[] ran = {false};
            m.withLock("etcd", lock, () -> {
                ran[0] = true;
            });
            assertThat(ran[0]).isTrue();
            assertThat(m.isLocked("redis", lock)).isFalse();
            assertThat(m.isLocked("etcd", lock)).isFalse();
        }
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        try (LockManager m = manager()) {
            assertThatThrownBy(() -> m.service("zookeeper")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no lock service named 'zookeeper'").hasMessageContaining("[etcd, redis]");
            assertThatThrownBy(() -> m.withLock("consul", "x", () -> { })).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[etcd, redis]");
            assertThatThrownBy(() -> m.register("redis", m.service("etcd"))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("already registered");
            assertThatThrownBy(() -> m.register("", m.service("etcd"))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> m.register(null, m.service("etcd"))).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("name");
        }
    }

    @Test
    void closingTheManagerClosesEveryService() {
        LockManager m = manager();
        LockService redisService = m.service("redis");
        LockService etcdService = m.service("etcd");
        m.close();
        m.close();
        assertThatThrownBy(() -> redisService.lock("x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> etcdService.lock("x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> m.service("redis")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
