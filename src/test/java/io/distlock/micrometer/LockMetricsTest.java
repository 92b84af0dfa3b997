package io.distlock.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.distlock.DistributedLock;
import io.distlock.LeaseLostException;
import io.distlock.LockOptions;
import io.distlock.redis.RedisLockFactory;
import io.distlock.testing.RedisServer;
import io.distlock.testing.RedisServers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;

/** The Micrometer binder over a real Redis: every meter's value after events whose count is known. */
@Timeout(60)
class LockMetricsTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    private final List<RedisLockFactory> factories = new ArrayList<>();
    private final String prefix = "metrics-" + UUID.randomUUID() + ":";
    private MeterRegistry registry;
    private RedisLockFactory locks;
    private LockMetrics metrics;

    private RedisLockFactory factory(int socketTimeoutMillis) {
        RedisServer server = redis.first();
        RedisLockFactory f = RedisLockFactory.builder().hostAndPort(server.host(), server.port())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(socketTimeoutMillis).build())
                .keyPrefix(prefix).options(LockOptions.builder().retryCount(1).build()).build();
        factories.add(f);
        return f;
    }

    @BeforeEach
    void bind() {
        registry = new SimpleMeterRegistry();
        locks = factory(2_000);
        metrics = LockMetrics.monitor(registry, locks, "orders", "app", "test");
    }

    @AfterEach
    void close() {
        metrics.close();
        factories.forEach(RedisLockFactory::close);
    }

    private double count(String name, String... tags) {
        return registry.get(name).tags("factory", "orders").tags(tags).counter().count();
    }

    private Timer timer(String name, String... tags) {
        return registry.get(name).tags("factory", "orders", "app", "test").tags(tags).timer();
    }

    /** The distributed acquisitions with this outcome, contended or not. */
    private long acquisitions(String outcome) {
        return registry.get("distlock.acquire").tags("factory", "orders", "outcome", outcome).timers().stream()
                .mapToLong(Timer::count).sum();
    }

    @Test
    void uncontendedAcquisitionsAreTimedAndReentrantOnesAreNotCounted() {
        DistributedLock lock = locks.getLock("a");
        for (int i = 0; i < 5; i++) {
            lock.lock();
            lock.lock(); // re-entrant: local, not an acquisition
            lock.unlock();
            lock.unlock();
        }
        Timer uncontended = timer("distlock.acquire", "outcome", "acquired", "contended", "false");
        assertThat(uncontended.count()).isEqualTo(5);
        assertThat(uncontended.totalTime(TimeUnit.NANOSECONDS)).isPositive();
        // shape change (issue 27): no client-side percentiles unless asked for (percentiles(...))
        assertThat(uncontended.takeSnapshot().percentileValues()).isEmpty();
        assertThat(timer("distlock.acquire", "outcome", "acquired", "contended", "true").count()).isZero();
        assertThat(timer("distlock.hold").count()).isEqualTo(5);
        assertThat(count("distlock.handovers")).isZero();
        assertThat(acquisitions("timeout")).isZero();
        assertThat(acquisitions("error")).isZero();
        assertThat(count("distlock.backend.errors", "kind", "transient")).isZero();
    }

    @Test
    void aHolderInAnotherFactoryMakesTryLockFailAndLockWait() throws Exception {
        DistributedLock elsewhere = factory(2_000).getLock("b");
        elsewhere.lock();
        DistributedLock lock = locks.getLock("b");
        assertThat(lock.tryLock()).isFalse();
        // long enough for one answer on a loaded machine (a first attempt with no answer in time
        // would end the call with LockBackendException, not false)
        assertThat(lock.tryLock(300, TimeUnit.MILLISECONDS)).isFalse();
        // shape change (issue 27): distlock.acquire.failed is the timer's outcome=timeout series
        Timer timeout = timer("distlock.acquire", "outcome", "timeout", "contended", "true");
        assertThat(timeout.count()).isEqualTo(2);
        assertThat(timeout.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(300);

        CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
            lock.lock();
            lock.unlock();
        });
        await().atMost(Duration.ofSeconds(5))
                .until(() -> registry.get("distlock.acquire.waiting").gauge().value() == 1);
        Thread.sleep(300); // the acquisition must last at least this long
        elsewhere.unlock();
        waiter.get(10, TimeUnit.SECONDS);
        // shape change (issue 27): distlock.acquire.contended and .wait are the contended=true series
        Timer contended = timer("distlock.acquire", "outcome", "acquired", "contended", "true");
        assertThat(contended.count()).isEqualTo(1);
        assertThat(contended.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(250);
        assertThat(acquisitions("acquired")).isEqualTo(1);
        assertThat(registry.get("distlock.acquire.waiting").gauge().value()).isZero();
    }

    @Test
    void aLeaseHandedBetweenThreadsOfThisJvmIsAHandOver() throws Exception {
        DistributedLock lock = locks.getLock("c");
        lock.lock();
        CountDownLatch done = new CountDownLatch(1);
        Thread second = new Thread(() -> {
            lock.lock();
            lock.unlock();
            done.countDown();
        });
        second.start();
        await().atMost(Duration.ofSeconds(5)).until(lock::hasQueuedThreads);
        lock.unlock();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(count("distlock.handovers")).isEqualTo(1);
        assertThat(timer("distlock.acquire", "outcome", "acquired", "contended", "true").count()).isEqualTo(1);
        assertThat(acquisitions("acquired")).isEqualTo(2);
        assertThat(timer("distlock.hold").count()).isEqualTo(2);
    }

    @Test
    void renewalsLostLeasesAndTheHeldGaugeAreCounted() {
        DistributedLock a = locks.getLock("d1");
        DistributedLock b = locks.getLock("d2");
        a.lock();
        b.lock();
        assertThat(registry.get("distlock.leases.held").gauge().value()).isEqualTo(2);
        assertThat(registry.get("distlock.registry.size").gauge().value()).isGreaterThanOrEqualTo(2);
        a.renew(Duration.ofSeconds(20));
        assertThat(count("distlock.renewals", "result", "success")).isGreaterThanOrEqualTo(1);
        a.unlock();

        try (Jedis jedis = new Jedis(redis.first().host(), redis.first().port())) {
            jedis.del(prefix + "{d2}"); // the lease vanishes behind its holder
        }
        assertThatThrownBy(() -> b.renew(Duration.ofSeconds(20))).isInstanceOf(LeaseLostException.class);
        assertThat(count("distlock.renewals", "result", "failure")).isEqualTo(1);
        assertThat(count("distlock.leases.lost")).isEqualTo(1);
        assertThatThrownBy(b::unlock).isInstanceOf(LeaseLostException.class);
        assertThat(registry.get("distlock.leases.held").gauge().value()).isZero();
    }

    @Test
    void aFrozenServerCountsBackendErrors() throws Exception {
        RedisServer server = redis.first();
        assumeThat(server.controllable()).as("needs a server this test started").isTrue();
        metrics.close();
        RedisLockFactory impatient = factory(200);
        metrics = LockMetrics.monitor(registry, impatient, "orders", "app", "test");
        DistributedLock lock = impatient.getLock("e");
        server.pause();
        try {
            assertThatThrownBy(() -> lock.tryLock(2, TimeUnit.SECONDS)).isInstanceOf(io.distlock.LockBackendException.class);
        } finally {
            server.resume();
        }
        assertThat(count("distlock.backend.errors", "kind", "transient")).isEqualTo(2); // a try and one retry
        assertThat(count("distlock.backend.errors", "kind", "permanent")).isZero();
        assertThat(acquisitions("acquired")).isZero();
        assertThat(acquisitions("error")).isEqualTo(1);
    }

    @Test
    void anInterruptedWaitIsItsOwnOutcome() throws Exception {
        DistributedLock elsewhere = factory(2_000).getLock("f");
        elsewhere.lock();
        DistributedLock lock = locks.getLock("f");
        CompletableFuture<Throwable> waiter = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                lock.lockInterruptibly();
                lock.unlock();
                waiter.complete(null);
            } catch (Throwable e) {
                waiter.complete(e);
            }
        });
        t.start();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> registry.get("distlock.acquire.waiting").gauge().value() == 1);
        t.interrupt();
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        elsewhere.unlock();
        assertThat(timer("distlock.acquire", "outcome", "interrupted", "contended", "unknown").count()).isEqualTo(1);
        assertThat(acquisitions("acquired")).isZero();
        assertThat(acquisitions("error")).isZero();
        assertThat(registry.get("distlock.acquire.waiting").gauge().value()).isZero();
    }

    @Test
    void holdsOfReadAndWriteLocksAndConditionAwaitsAreTimed() throws Exception {
        io.distlock.DistributedReadWriteLock rw = locks.getReadWriteLock("g");
        rw.readLock().lock();
        rw.readLock().lock(); // re-entrant: one hold
        rw.readLock().unlock();
        rw.readLock().unlock();
        rw.writeLock().lock();
        rw.writeLock().unlock();
        assertThat(timer("distlock.hold").count()).isEqualTo(2);
        assertThat(acquisitions("acquired")).isEqualTo(2);

        DistributedLock lock = locks.getLock("h");
        java.util.concurrent.locks.Condition ready = lock.newCondition();
        lock.lock();
        assertThat(ready.await(50, TimeUnit.MILLISECONDS)).isFalse(); // gives the lock up, takes it back
        lock.unlock();
        // the hold before the await, and the one after it
        assertThat(timer("distlock.hold").count()).isEqualTo(4);
        assertThat(acquisitions("acquired")).isEqualTo(4);
    }

    @Test
    void lockNameTagsFollowTheAllowListAndTheRuleAndCloseRemovesEveryMeter() {
        metrics.close();
        assertThat(registry.getMeters()).isEmpty();
        // shape change (issue 27): perLockName(n) kept the first n names each JVM saw; the tag is
        // now a function of the name alone
        metrics = LockMetrics.builder(locks, "orders").lockNames("n1", "n2")
                .lockNameTag(n -> n.startsWith("job:") ? "job" : null).build();
        metrics.bindTo(registry);
        assertThat(registry.find("distlock.acquire").tags("lock", "n2").timers()).isNotEmpty(); // before any event
        for (String name : List.of("n1", "n3", "n4", "n1", "job:1", "job:2")) {
            DistributedLock lock = locks.getLock(name);
            lock.lock();
            lock.unlock();
        }
        assertThat(registry.get("distlock.acquire").tags("lock", "n1", "contended", "false").timer().count()).isEqualTo(2);
        assertThat(registry.get("distlock.acquire").tags("lock", "n2", "contended", "false").timer().count()).isZero();
        assertThat(registry.get("distlock.acquire").tags("lock", "job", "contended", "false").timer().count()).isEqualTo(2);
        assertThat(registry.get("distlock.acquire").tags("lock", LockMetrics.OTHER_LOCKS, "contended", "false")
                .timer().count()).isEqualTo(2);
        assertThat(registry.get("distlock.hold").tags("lock", "job").timer().count()).isEqualTo(2);
        assertThat(registry.find("distlock.acquire").tags("lock", "n3").timer()).isNull();
        assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> LockMetrics.builder(locks, "x").lockNames(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        metrics.close();
        assertThat(registry.getMeters()).isEmpty();
        DistributedLock lock = locks.getLock("n1");
        lock.lock();
        lock.unlock();
        assertThat(registry.getMeters()).isEmpty();

        // closed metrics bind again, to another registry
        MeterRegistry second = new SimpleMeterRegistry();
        metrics.bindTo(second);
        lock.lock();
        lock.unlock();
        assertThat(second.get("distlock.acquire").tags("lock", "n1", "contended", "false").timer().count()).isEqualTo(1);
        assertThat(registry.getMeters()).isEmpty();
    }
}
