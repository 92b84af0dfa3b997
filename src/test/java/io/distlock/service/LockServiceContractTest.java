package io.distlock.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distlock.AutoRenewal;
import io.distlock.DistributedLock;
import io.distlock.DistributedLockFactory;
import io.distlock.LeaseListener;
import io.distlock.LockInfo;
import io.distlock.LockOptions;
import io.distlock.LockType;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What {@link LockService} guarantees, run against every back end by subclasses.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class LockServiceContractTest {

    /** Makes a new, independent factory against the test server. */
    protected abstract DistributedLockFactory newFactory(LockOptions options, LeaseListener listener);

    /** Whether the back end can tell the fencing token of a holder in another JVM. */
    protected boolean knowsOtherHoldersFencingToken() {
        return true;
    }

    private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();
    protected final List<String> lost = new CopyOnWriteArrayList<>();
    protected final String name = "service-" + UUID.randomUUID();

    protected LockService service(LockOptions options) {
        return service(options, new java.util.concurrent.atomic.AtomicInteger());
    }

    /** A service whose successful lease renewals of the test's lock are counted in {@code renewals}. */
    private LockService service(LockOptions options, java.util.concurrent.atomic.AtomicInteger renewals) {
        DistributedLockFactory factory = newFactory(options, (n, fence) -> lost.add(n + "#" + fence));
        factory.addObserver(new io.distlock.LockObserver() {
            @Override
            public void renewed(String lockName, boolean succeeded) {
                if (succeeded && lockName.equals(name)) {
                    renewals.incrementAndGet();
                }
            }
        });
        LockService s = LockService.of(factory);
        toClose.add(s);
        return s;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private static boolean triedElsewhere(LockService other, String name) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            DistributedLock lock = other.lock(name);
            boolean got = lock.tryLock();
            if (got) {
                lock.unlock();
            }
            return got;
        }).get(30, TimeUnit.SECONDS);
    }

    @Test
    void withLockRunsTheBodyUnderTheLockAndReturnsItsResult() throws Exception {
        LockService s = service(LockOptions.defaults());
        LockService other = service(LockOptions.defaults());
        String result = s.withLock(name, () -> {
            assertThat(s.lock(name).isHeldByCurrentThread()).isTrue();
            assertThat(triedElsewhere(other, name)).isFalse();
            return "done";
        });
        assertThat(result).isEqualTo("done");
        assertThat(s.isLocked(name)).isFalse();
        boolean[] ran = {false};
        s.withLock(name, () -> ran[0] = true);
        assertThat(ran[0]).isTrue();
        assertThat(s.isLocked(name)).isFalse();
    }

    @Test
    void withLockReleasesWhenTheBodyThrows() {
        LockService s = service(LockOptions.defaults());
        assertThatThrownBy(() -> s.withLock(name, () -> {
            throw new IOException("disk full");
        })).isInstanceOf(IOException.class).hasMessage("disk full");
        assertThat(s.isLocked(name)).isFalse();
        assertThatThrownBy(() -> s.withLock(name, (Runnable) () -> {
            throw new IllegalStateException("bad state");
        })).isInstanceOf(IllegalStateException.class).hasMessage("bad state");
        assertThat(s.isLocked(name)).isFalse();
        assertThat(s.lock(name).getHoldCount()).isZero();
    }

    @Test
    void tryWithLockRunsTheBodyOnlyWhenTheLockIsFree() throws Exception {
        LockService s = service(LockOptions.defaults());
        LockService other = service(LockOptions.defaults());
        DistributedLock held = other.lock(name);
        CompletableFuture<Void> holding = new CompletableFuture<>();
        CompletableFuture<Void> letGo = new CompletableFuture<>();
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            held.lock();
            holding.complete(null);
            letGo.join();
            held.unlock();
        });
        holding.get(30, TimeUnit.SECONDS);
        boolean[] ran = {false};
        LockResult<String> r = s.tryWithLock(name, () -> {
            ran[0] = true;
            return "x";
        });
        assertThat(r.acquired()).isFalse();
        assertThat(r.asOptional()).isEmpty();
        assertThatThrownBy(r::value).hasMessageContaining("not acquired");
        assertThat(s.tryWithLock(name, () -> {
            ran[0] = true;
        })).isFalse();
        assertThat(ran[0]).isFalse();
        CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() -> letGo.complete(null));
        LockResult<String> waited = s.tryWithLock(name, Duration.ofSeconds(20), () -> "after wait");
        assertThat(waited.acquired()).isTrue();
        assertThat(waited.value()).isEqualTo("after wait");
        holder.get(30, TimeUnit.SECONDS);
        LockResult<Object> nothing = s.tryWithLock(name, () -> null);
        assertThat(nothing.acquired()).isTrue();
        assertThat(nothing.value()).isNull();
        assertThat(nothing.asOptional()).isEmpty();
        assertThat(s.isLocked(name)).isFalse();
    }

    @Test
    void sharedBodiesRunTogetherAndExclusiveOnesAlone() throws Exception {
        LockService s = service(LockOptions.defaults());
        LockService other = service(LockOptions.defaults());
        String shared = s.withLock(name, LockType.SHARED, () -> {
            LockResult<String> alsoShared = CompletableFuture.supplyAsync(() -> {
                try {
                    return other.tryWithLock(name, LockType.SHARED, () -> "read too");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).get(30, TimeUnit.SECONDS);
            assertThat(alsoShared.value()).isEqualTo("read too");
            LockResult<String> exclusive = CompletableFuture.supplyAsync(() -> {
                try {
                    return other.tryWithLock(name, LockType.EXCLUSIVE, () -> "wrote");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).get(30, TimeUnit.SECONDS);
            assertThat(exclusive.acquired()).isFalse();
            return "read";
        });
        assertThat(shared).isEqualTo("read");
        assertThat(s.withLock(name, LockType.EXCLUSIVE, () -> "wrote")).isEqualTo("wrote");
        assertThatThrownBy(() -> s.withLock(name, null, () -> "x")).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("type");
    }

    @Test
    void theWatchdogKeepsALongBodysLock() throws Exception {
        java.util.concurrent.atomic.AtomicInteger renewed = new java.util.concurrent.atomic.AtomicInteger();
        LockService s = service(LockOptions.builder().leaseTime(Duration.ofMillis(700)).build(), renewed);
        LockService other = service(LockOptions.defaults());
        s.withLock(name, () -> {
            long start = System.nanoTime();
            for (int i = 1; i <= 3; i++) {
                // the watchdog renews every third of the lease: four more renewals each round
                int atLeast = 4 * i;
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> renewed.get() >= atLeast);
                assertThat(triedElsewhere(other, name)).isFalse();
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("held past three leases")
                    .isGreaterThan(2_100);
            return null;
        });
        assertThat(lost).isEmpty();
    }

    @Test
    void autoRenewKeepsAFixedLeaseUntilStopped() throws Exception {
        java.util.concurrent.atomic.AtomicInteger renewed = new java.util.concurrent.atomic.AtomicInteger();
        LockService s = service(LockOptions.builder().leaseTime(Duration.ofSeconds(1)).watchdog(false).build(), renewed);
        LockService other = service(LockOptions.defaults());
        s.withLock(name, () -> {
            long start = System.nanoTime();
            try (AutoRenewal renewal = s.autoRenew(name, Duration.ofMillis(300))) {
                for (int i = 1; i <= 3; i++) {
                    // renewed every 300 ms: three more renewals each round
                    int atLeast = 3 * i;
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> renewed.get() >= atLeast);
                    assertThat(renewal.isActive()).isTrue();
                    assertThat(s.lock(name).isHeldByCurrentThread()).isTrue();
                    assertThat(triedElsewhere(other, name)).isFalse();
                }
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("held past twice its lease")
                        .isGreaterThan(2_000);
            }
            return null;
        });
        assertThat(lost).isEmpty();
    }

    @Test
    void renewExtendsAFixedLease() throws Exception {
        LockService s = service(LockOptions.builder().leaseTime(Duration.ofSeconds(1)).watchdog(false).build());
        s.withLock(name, () -> {
            for (int i = 0; i < 3; i++) {
                Thread.sleep(600);
                s.renew(name, Duration.ofSeconds(1));
            }
            assertThat(s.lock(name).isHeldByCurrentThread()).isTrue();
            return null;
        });
        assertThat(lost).isEmpty();
        assertThatThrownBy(() -> s.renew(name, Duration.ofSeconds(1))).isInstanceOf(IllegalMonitorStateException.class);
        assertThatThrownBy(() -> s.autoRenew(name, Duration.ofMillis(100))).isInstanceOf(IllegalMonitorStateException.class);
        s.withLock(name, () -> {
            assertThatThrownBy(() -> s.renew(name, Duration.ofMillis(1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("leaseTime");
            assertThatThrownBy(() -> s.autoRenew(name, Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("interval");
        });
    }

    @Test
    void infoTellsWhatTheServerAndThisThreadKnow() throws Exception {
        LockOptions options = LockOptions.builder().leaseTime(Duration.ofSeconds(20)).build();
        LockService s = service(options);
        LockService other = service(LockOptions.defaults());
        LockInfo free = s.info(name);
        assertThat(free.name()).isEqualTo(name);
        assertThat(free.isLocked()).isFalse();
        assertThat(free.fencingToken()).isEmpty();
        assertThat(free.remainingLease()).isEmpty();
        assertThat(free.isHeldByCurrentThread()).isFalse();
        assertThat(free.holdCount()).isZero();
        assertThat(free.options()).isEqualTo(options);

        DistributedLock lock = s.lock(name);
        lock.lock();
        lock.lock();
        try {
            LockInfo mine = s.info(name);
            assertThat(mine.isLocked()).isTrue();
            assertThat(mine.fencingToken()).hasValue(lock.getFencingToken());
            assertThat(mine.remainingLease()).hasValueSatisfying(d ->
                    assertThat(d).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30)));
            assertThat(mine.isHeldByCurrentThread()).isTrue();
            assertThat(mine.holdCount()).isEqualTo(2);
            assertThat(mine.toString()).contains(name, "holdCount=2");

            LockInfo seenElsewhere = CompletableFuture.supplyAsync(() -> other.info(name)).get(30, TimeUnit.SECONDS);
            assertThat(seenElsewhere.isLocked()).isTrue();
            assertThat(seenElsewhere.isHeldByCurrentThread()).isFalse();
            assertThat(seenElsewhere.holdCount()).isZero();
            if (knowsOtherHoldersFencingToken()) {
                assertThat(seenElsewhere.fencingToken()).hasValue(lock.getFencingToken());
            }
        } finally {
            lock.unlock();
            lock.unlock();
        }
    }
}
