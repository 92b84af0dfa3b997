package io.distlock.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distlock.DistributedLockFactory;
import io.distlock.LeaseLostException;
import io.distlock.etcd.EtcdLockFactory;
import io.distlock.testing.EtcdServers;
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
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.integration.support.locks.ExpirableLockRegistry;
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

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    private final String prefix = "spring-" + UUID.randomUUID() + ":";

    private final List<DistributedLockFactory> factories = new ArrayList<>();

    private DistributedLockRegistry registry() {
        RedisServer server = redis.first();
        RedisLockFactory f = RedisLockFactory.builder().hostAndPort(server.host(), server.port()).keyPrefix(prefix)
                .options(LockOptions.builder().leaseTime(Duration.ofSeconds(10)).build()).build();
        factories.add(f);
        return new DistributedLockRegistry(f);
    }

    private DistributedLockRegistry etcdRegistry() {
        EtcdLockFactory f = EtcdLockFactory.builder().endpoints(etcd.get().endpoints().toArray(String[]::new))
                .keyPrefix(prefix).options(LockOptions.builder().leaseTime(Duration.ofSeconds(10)).build()).build();
        factories.add(f);
        return new DistributedLockRegistry(f);
    }

    @AfterEach
    void close() {
        factories.forEach(DistributedLockFactory::close);
    }

    @Test
    void theRegistryIsTypedAsSpringIntegration7sRegistriesAndItsLocksAsBothLockTypes() {
        DistributedLockRegistry typed = registry();
        ExpirableLockRegistry<DistributedLock> expirable = typed;
        RenewableLockRegistry<DistributedLock> renewable = typed;
        DistributedLock lock = renewable.obtain("typed");
        assertThat(lock).isInstanceOf(io.distlock.DistributedLock.class).isSameAs(expirable.obtain("typed"));
        expirable.expireUnusedOlderThan(0);
        assertThat(typed.obtain("typed")).isSameAs(lock);
        // one state: a hold through the registry's object is the factory lock's hold
        lock.lock();
        try {
            assertThat(typed.factory().getLock("typed").isHeldByCurrentThread()).isTrue();
            assertThat(typed.obtain("typed").factoryLock()).isSameAs(typed.factory().getLock("typed"));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Spring's time to live is the lease of that hold, on Redis and on etcd: the watchdog leaves
     * it alone, it runs out, its loss is final for the holder, and another JVM gets the lock
     * after the time to live, not after the factory's 10 s lease.
     */
    @Test
    void aTimeToLiveIsTheLeaseOfThatHoldOnRedisAndEtcd() throws Exception {
        for (boolean onRedis : new boolean[] {true, false}) {
            DistributedLockRegistry mine = onRedis ? registry() : etcdRegistry();
            DistributedLockRegistry theirs = onRedis ? registry() : etcdRegistry();
            String key = "ttl-" + UUID.randomUUID();
            SpringDistributedLock lock = mine.obtain(key);
            lock.lock(Duration.ofMillis(1_500));
            long locked = System.nanoTime();
            long fence = lock.getFencingToken();
            if (onRedis) {
                // the key itself expires then (on etcd it hangs on the factory's session lease)
                assertThat(lock.info().remainingLease()).hasValueSatisfying(
                        left -> assertThat(left).isLessThanOrEqualTo(Duration.ofMillis(1_500)));
            }
            boolean got = CompletableFuture.supplyAsync(() -> {
                DistributedLock other = theirs.obtain(key);
                try {
                    if (!other.tryLock(9, TimeUnit.SECONDS)) {
                        return false;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                other.unlock();
                return true;
            }).get(30, TimeUnit.SECONDS);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - locked);
            assertThat(got).as("another registry acquires after the time to live, within 9 s").isTrue();
            assertThat(tookMillis).as("ms until another registry had the lock").isGreaterThanOrEqualTo(1_400);
            assertThat(lock.isHeldByCurrentThread()).isFalse();
            assertThatThrownBy(lock::tryLock).isInstanceOf(LeaseLostException.class);
            assertThatThrownBy(lock::unlock).isInstanceOf(LeaseLostException.class)
                    .satisfies(e -> assertThat(((LeaseLostException) e).getFencingToken()).isEqualTo(fence));
            assertThat(lock.getHoldCount()).isZero();
        }
    }

    @Test
    void tryLockWithATimeToLiveWaitsChecksItsArgumentsFirstAndRenewLockExtendsTheHold() throws Exception {
        DistributedLockRegistry mine = registry();
        DistributedLockRegistry theirs = registry();
        SpringDistributedLock lock = mine.obtain("ttl-try");
        assertThatThrownBy(() -> lock.tryLock(Duration.ofSeconds(1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
        assertThatThrownBy(() -> lock.lock(null)).isInstanceOf(NullPointerException.class);
        assertThat(lock.getHoldCount()).isZero();
        assertThat(lock.isLocked()).as("nothing acquired by a refused call").isFalse();
        assertThat(lock.tryLock(Duration.ofSeconds(1), Duration.ofMillis(1_500))).isTrue();
        try {
            assertThat(CompletableFuture.supplyAsync(() -> {
                try {
                    return theirs.obtain("ttl-try").tryLock(Duration.ofMillis(200), Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).get(10, TimeUnit.SECONDS)).as("busy").isFalse();
            mine.renewLock("ttl-try", Duration.ofSeconds(20));
            assertThat(lock.info().remainingLease()).hasValueSatisfying(
                    left -> assertThat(left).isGreaterThan(Duration.ofSeconds(15)));
            assertThat(lock.isHeldByCurrentThread()).isTrue();
        } finally {
            lock.unlock();
        }
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
        DistributedLockRegistry typed = registry();
        RenewableLockRegistry<DistributedLock> registry = typed;
        io.distlock.DistributedLock lock = typed.obtain("renewed");
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
