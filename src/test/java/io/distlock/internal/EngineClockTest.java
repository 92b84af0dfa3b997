package io.distlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.distlock.LeaseLostException;
import io.distlock.LockOptions;
import io.distlock.spi.AcquireResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine's lease bookkeeping on a clock the test sets: leases run out, renewals fall due and
 * terms end when the test moves the time, not after a real lease has passed. The sweeper still
 * runs on its real period (a tenth of the lease, at most 1 s), so each step waits at most a few
 * sweeps for its effect.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EngineClockTest {

    /** A clock that moves only when told. */
    static final class ManualClock implements EngineClock {
        private final AtomicLong now = new AtomicLong(System.nanoTime());

        @Override
        public long nanoTime() {
            return now.get();
        }

        void advance(Duration d) {
            now.addAndGet(d.toNanos());
        }
    }

    private final ManualClock clock = new ManualClock();
    private final List<String> lost = new CopyOnWriteArrayList<>();
    private LockEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private LockSync sync(EngineFaultTest.Scripted backend, LockOptions options) {
        engine = new LockEngine(backend, null, options, (n, fence) -> lost.add(n), "clock-test", clock);
        return engine.sync("n");
    }

    private static EngineFaultTest.Scripted grantingBackend(AtomicInteger renewals) {
        return new EngineFaultTest.Scripted(call -> AcquireResult.acquired(call + 1, 30_000)) {
            @Override
            public long renew(String name, String token, long leaseMillis) {
                renewals.incrementAndGet();
                return leaseMillis;
            }
        };
    }

    @Test
    void aFixedLeaseRunsOutWhenTheEnginesClockPassesItsEnd() {
        LockOptions fixed = LockOptions.builder().leaseTime(Duration.ofSeconds(30)).watchdog(false).build();
        AtomicInteger renewals = new AtomicInteger();
        LockSync sync = sync(grantingBackend(renewals), fixed);
        sync.lock();
        assertThat(sync.isHeldByCurrentThread()).isTrue();
        clock.advance(Duration.ofSeconds(29));
        assertThat(sync.isHeldByCurrentThread()).as("1 s of the lease left").isTrue();
        clock.advance(Duration.ofSeconds(2));
        assertThat(sync.isHeldByCurrentThread()).as("past the lease on the engine's clock").isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> lost.contains("n"));
        assertThat(renewals).hasValue(0);
        assertThatThrownBy(sync::unlock).isInstanceOf(LeaseLostException.class);
        assertThat(sync.getHoldCount()).isZero();
    }

    @Test
    void theWatchdogRenewsWhenItsIntervalPassesOnTheEnginesClock() {
        LockOptions watched = LockOptions.builder().leaseTime(Duration.ofSeconds(30)).build();
        AtomicInteger renewals = new AtomicInteger();
        LockSync sync = sync(grantingBackend(renewals), watched);
        sync.lock();
        try {
            assertThat(renewals).hasValue(0);
            clock.advance(watched.renewInterval().plusSeconds(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> renewals.get() == 1);
            // renewed from the engine's now: valid for a whole lease past the first one's end
            clock.advance(Duration.ofSeconds(25));
            assertThat(sync.isHeldByCurrentThread()).isTrue();
            assertThat(lost).isEmpty();
        } finally {
            sync.unlock();
        }
    }

    @Test
    void aHoldForTermEndsWhenTheEnginesClockPassesIt() {
        LockOptions watched = LockOptions.builder().leaseTime(Duration.ofSeconds(30)).build();
        AtomicInteger renewals = new AtomicInteger();
        EngineFaultTest.Scripted backend = grantingBackend(renewals);
        LockSync sync = sync(backend, watched);
        sync.lock();
        sync.holdFor(Duration.ofSeconds(5));
        String token = backend.acquireTokens.get(0);
        clock.advance(Duration.ofSeconds(6));
        await().atMost(Duration.ofSeconds(10)).until(() -> lost.contains("n"));
        // the term's end gives the lease back on the server
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.releasedTokens.contains(token));
        assertThatThrownBy(sync::unlock).isInstanceOf(LeaseLostException.class);
    }
}
