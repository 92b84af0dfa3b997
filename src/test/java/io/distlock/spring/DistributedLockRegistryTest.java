package io.distlock.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distlock.DistributedLock;
import io.distlock.LockOptions;
import io.distlock.redis.RedisLockFactory;
import io.distlock.testing.RedisServer;
import io.distlock.testing.RedisServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.integration.support.locks.LockRegistry;
import org.springframework.integration.support.locks.RenewableLockRegistry;

/**
 * Spring Integration's lock-registry contract, on a real Redis: the same key gives the same
 * lock, two registries over one server exclude each other, {@code executeLocked} with and
 * without a wait, renewal, and the registry as a bean of an application context.
 */
@Timeout(60)
class DistributedLockRegistryTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    private final String prefix = "spring-" + UUID.randomUUID() + ":";
    private final List<RedisLockFactory> factories = new ArrayList<>();

    private DistributedLockRegistry registry() {
        RedisServer server = redis.first();
        RedisLockFactory f = RedisLockFactory.builder().hostAndPort(server.host(), server.port()).keyPrefix(prefix)
                .options(LockOptions.builder().leaseTime(Duration.ofSeconds(10)).build()).build();
        factories.add(f);
        return new DistributedLockRegistry(f);
    }

    @AfterEach
    void close() {
        factories.forEach(RedisLockFactory::close);
    }

    @Test
    void obtainingOneKeyTwiceGivesTheSameLock() {
        LockRegistry<DistributedLock> registry = registry();
        Lock first = registry.obtain("orders");
        assertThat(registry.obtain("orders")).isSameAs(first);
        assertThat(registry.obtain("invoices")).isNotSameAs(first);
        assertThatThrownBy(() -> registry.obtain(42)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.Integer");
        assertThatThrownBy(() -> registry.obtain(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> registry.obtain("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void twoRegistriesOnOneServerExcludeEachOther() throws Exception {
        LockRegistry<DistributedLock> one = registry();
        LockRegistry<DistributedLock> two = registry();
        Lock held = one.obtain("shared");
        held.lock();
        try {
            assertThat(CompletableFuture.supplyAsync(() -> two.obtain("shared").tryLock()).get(10, TimeUnit.SECONDS))
                    .isFalse();
        } finally {
            held.unlock();
        }
        Lock other = two.obtain("shared");
        assertThat(other.tryLock(5, TimeUnit.SECONDS)).isTrue();
        other.unlock();
    }

    @Test
    void executeLockedRunsUnderTheLockAndTimesOutWhileAnotherRegistryHoldsIt() throws Exception {
        DistributedLockRegistry one = registry();
        DistributedLockRegistry two = registry();
        AtomicInteger runs = new AtomicInteger();
        one.executeLocked("job", () -> {
            assertThat(one.obtain("job").isHeldByCurrentThread()).isTrue();
            runs.incrementAndGet();
        });
        String result = one.executeLocked("job", () -> "value");
        assertThat(result).isEqualTo("value");
        assertThat(one.obtain("job").isLocked()).isFalse();

        DistributedLock held = two.obtain("job");
        held.lock();
        try {
            CompletableFuture<Throwable> timedOut = CompletableFuture.supplyAsync(() -> {
                try {
                    one.executeLocked("job", Duration.ofMillis(300), () -> runs.incrementAndGet());
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            assertThat(timedOut.get(10, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
        } finally {
            held.unlock();
        }
        assertThat(runs).hasValue(1);
    }

    @Test
    void renewLockExtendsTheLeaseOfAHeldLockAndRefusesOneNotHeld() {
        RenewableLockRegistry<DistributedLock> registry = registry();
        DistributedLock lock = registry.obtain("renewed");
        assertThatThrownBy(() -> registry.renewLock("renewed")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("renewed");
        lock.lock();
        try {
            registry.renewLock("renewed", Duration.ofSeconds(40));
            assertThat(lock.info().remainingLease()).hasValueSatisfying(
                    left -> assertThat(left).isGreaterThan(Duration.ofSeconds(30)));
            registry.renewLock("renewed");
            assertThat(lock.info().remainingLease()).hasValueSatisfying(
                    left -> assertThat(left).isLessThanOrEqualTo(Duration.ofSeconds(10)));
        } finally {
            lock.unlock();
        }
    }

    @Test
    void oneBeanDefinitionGivesTheApplicationALockRegistry() throws Exception {
        RedisServer server = redis.first();
        try (GenericApplicationContext context = new GenericApplicationContext()) {
            context.registerBean(RedisLockFactory.class, () -> RedisLockFactory.builder()
                    .hostAndPort(server.host(), server.port()).keyPrefix(prefix).build(),
                    bean -> bean.setDestroyMethodName("close"));
            context.registerBean(DistributedLockRegistry.class,
                    () -> new DistributedLockRegistry(context.getBean(RedisLockFactory.class)));
            context.refresh();
            @SuppressWarnings("unchecked")
            LockRegistry<? extends Lock> registry = context.getBean(LockRegistry.class);
            assertThat(registry.executeLocked("from-context", () -> "ran")).isEqualTo("ran");
            DistributedLock after = registry().obtain("from-context");
            assertThat(after.tryLock()).isTrue();
            after.unlock();
        }
    }
}
