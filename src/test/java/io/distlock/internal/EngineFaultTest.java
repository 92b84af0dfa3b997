package io.distlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.spi.AcquireResult;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.LockBackend;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine's handling of back-end faults, over a scripted SPI back end whose answers the test
 * chooses (a lost answer, a permanent refusal, a slow call). The back ends' own behaviour under
 * the same faults is tested against real servers in the contract suites; this test pins down the
 * engine's part where a real server cannot be made to answer in a given order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@io.distlock.testing.TimingSensitive
class EngineFaultTest {

    private final List<LockEngine> engines = new ArrayList<>();

    @AfterEach
    void close() {
        engines.forEach(LockEngine::close);
    }

    private LockEngine engine(LockBackend backend, LockOptions options) {
        return engine(backend, options, EngineClock.SYSTEM);
    }

    /** An engine whose lease bookkeeping reads {@code clock}. */
    private LockEngine engine(LockBackend backend, LockOptions options, EngineClock clock) {
        LockEngine e = new LockEngine(backend, null, options, null, "test", clock);
        engines.add(e);
        return e;
    }

    /**
     * A waiter whose last acquisition found the lock busy watches before its first attempt. A
     * token that was only watched sent nothing, but the back end may keep bookkeeping for its
     * watch (etcd's waiter ranks): an acquisition interrupted while it waits for that watch's
     * confirmation is cleaned up (cancel) like one that sent a request. And a back end whose
     * notification is the request itself is not watched before it (watchesBeforeRequest).
     */
    @Test
    void aTokenOnlyWatchedBeforeItsFirstAttemptIsCleanedUpWhenTheAcquisitionIsInterrupted() throws Exception {
        List<String> cancelled = new CopyOnWriteArrayList<>();
        Scripted backend = new Scripted(call -> call == 0 ? AcquireResult.busy(-1) : AcquireResult.acquired(7, 30_000)) {
            @Override
            public void cancel(String name, String token) {
                cancelled.add(token);
            }
        };
        // a watch never confirmed: the engine waits its short pause for it before the first attempt
        backend.watchesAwaitConfirmation = true;
        LockSync sync = engine(backend, LockOptions.defaults()).sync("watched");
        sync.lock();   // busy first: the next acquisition watches before its first attempt
        sync.unlock();
        int attemptsBefore = backend.acquireTokens.size();
        java.util.concurrent.atomic.AtomicReference<Object> outcome = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                sync.lockInterruptibly();
                sync.unlock();
                outcome.set("acquired");
            } catch (InterruptedException e) {
                outcome.set(e);
            }
        }, "watched-only");
        t.start();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                .until(() -> backend.watchTokens.size() == 2 && t.getState() == Thread.State.WAITING);
        t.interrupt();
        t.join(TimeUnit.SECONDS.toMillis(30));
        org.junit.jupiter.api.Assumptions.assumeTrue(backend.acquireTokens.size() == attemptsBefore,
                "the interrupt came after the watch's pause (a slow machine): the path is not the one under test");
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        String watched = backend.watchTokens.get(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> cancelled.contains(watched));
    }

    @Test
    void aBackEndNotifiedByItsRequestIsNotWatchedBeforeTheFirstAttempt() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Scripted backend = new Scripted(call -> call == 0 || call == 2 ? AcquireResult.busy(-1)
                : AcquireResult.acquired(7, 30_000)) {
            @Override
            public boolean watchesBeforeRequest() {
                return false;
            }

            @Override
            public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                            long timeoutNanos) {
                events.add("attempt");
                return super.tryAcquire(name, token, leaseMillis, willWait, timeoutNanos);
            }

            @Override
            public ReleaseWatch watch(String name, String token, Runnable onRelease) {
                events.add("watch");
                return super.watch(name, token, onRelease);
            }
        };
        LockSync sync = engine(backend, LockOptions.defaults()).sync("request-notified");
        sync.lock();   // busy, watched, then granted
        sync.unlock();
        assertThat(events).containsExactly("attempt", "watch", "attempt");
        events.clear();
        // the last acquisition was contended: a back end that watches before its request would
        // be watched first; this one is watched only after the busy answer
        sync.lock();
        sync.unlock();
        assertThat(events).startsWith("attempt", "watch");
    }

    @Test
    void aWaiterWatchesItsNewRequestAfterAnError() throws Exception {
        // busy, then a lost answer (new token), then busy again, then granted
        Scripted backend = new Scripted(call -> switch (call) {
            case 0, 2 -> AcquireResult.busy(-1);
            case 1 -> throw new LockBackendException("lost answer", null);
            default -> AcquireResult.acquired(7, 30_000);
        });
        LockSync sync = engine(backend, LockOptions.defaults()).sync("n");
        assertThat(sync.tryLock(10, TimeUnit.SECONDS)).isTrue();
        try {
            assertThat(backend.acquireTokens).hasSize(4);
            String first = backend.acquireTokens.get(0);
            String second = backend.acquireTokens.get(2);
            assertThat(second).isNotEqualTo(first);
            // the watch made for the first request is not kept for the second one
            assertThat(backend.watchTokens).containsExactly(first, second);
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.releasedTokens.contains(first));
        } finally {
            sync.unlock();
        }
    }

    @Test
    void anUnknownOutcomeIsCleanedUpInTheBackgroundUntilTheServerConfirms() throws Exception {
        AtomicInteger releaseFailures = new AtomicInteger(3);
        Scripted backend = new Scripted(call -> {
            if (call == 0) {
                throw new LockBackendException("lost answer", null);
            }
            return AcquireResult.acquired(call, 30_000);
        }) {
            @Override
            public ReleaseResult release(String name, String token) {
                super.release(name, token);
                if (token.equals(acquireTokens.get(0)) && releaseFailures.getAndDecrement() > 0) {
                    throw new LockBackendException("still unreachable", null);
                }
                return ReleaseResult.RELEASED;
            }
        };
        LockEngine engine = engine(backend, LockOptions.defaults());
        LockSync sync = engine.sync("n");
        sync.lock();
        sync.unlock();
        String lost = backend.acquireTokens.get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.pendingCleanups() == 0);
        assertThat(backend.releasedTokens.stream().filter(lost::equals).count()).isEqualTo(4);
        assertThat(engine.abandonedCleanups()).isZero();
    }

    @Test
    void aTimedAcquisitionThatFoundTheLockBusyReturnsFalseWhenItsTimeRunsOutInAFailedCall() throws Exception {
        // busy, then no answer: with a retry pause longer than the time left, no retry is made;
        // the busy answer stands (false), and the unanswered token is cleaned up
        Scripted backend = new Scripted(call -> {
            if (call == 0) {
                return AcquireResult.busy(-1);
            }
            throw new LockBackendException("no answer in time", null);
        });
        LockOptions slowRetries = LockOptions.builder().retryDelay(Duration.ofSeconds(5)).build();
        LockSync sync = engine(backend, slowRetries).sync("n");
        assertThat(sync.tryLock(200, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(sync.getHoldCount()).isZero();
        assertThat(backend.acquireTokens).hasSize(2);
        String unanswered = backend.acquireTokens.get(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.releasedTokens.contains(unanswered));

        // without a busy answer first, the failure is the caller's to see
        Scripted unreachable = new Scripted(call -> {
            throw new LockBackendException("no answer in time", null);
        });
        LockSync other = engine(unreachable, slowRetries).sync("m");
        assertThatThrownBy(() -> other.tryLock(200, TimeUnit.MILLISECONDS)).isInstanceOf(LockBackendException.class);
    }

    @Test
    void aWatchAwaitingTheServersConfirmationHoldsTheNextAttemptBackWithinTheDeadlineOnly() throws Exception {
        // a watch whose confirmation never comes (etcd frozen right after the busy answer): the
        // engine waits for it before its next attempt, but never past the caller's deadline (an
        // earlier etcd watch waited 500 ms for it and ran a 100 ms tryLock to 584 ms)
        List<Long> attemptsAt = new CopyOnWriteArrayList<>();
        List<Long> watchedAt = new CopyOnWriteArrayList<>();
        Scripted backend = new Scripted(call -> AcquireResult.busy(-1)) {
            @Override
            public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                            long timeoutNanos) {
                attemptsAt.add(System.nanoTime());
                return super.tryAcquire(name, token, leaseMillis, willWait, timeoutNanos);
            }

            @Override
            public ReleaseWatch watch(String name, String token, Runnable onRelease) {
                watchedAt.add(System.nanoTime());
                return new ReleaseWatch() {
                    @Override
                    public boolean isActive() {
                        return false;
                    }

                    @Override
                    public boolean awaitsConfirmation() {
                        return true;
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
        LockSync sync = engine(backend, LockOptions.defaults()).sync("n");
        long start = System.nanoTime();
        assertThat(sync.tryLock(100, TimeUnit.MILLISECONDS)).isFalse();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(tookMillis).as("returned by its deadline (generous bound)").isLessThan(100 + 400);
        assertThat(watchedAt).hasSize(1);
        // the attempt after the watch waited for the confirmation: the engine's short re-check
        // (50 ms), not at once
        assertThat(attemptsAt).hasSizeGreaterThanOrEqualTo(2);
        assertThat(TimeUnit.NANOSECONDS.toMillis(attemptsAt.get(1) - watchedAt.get(0)))
                .as("ms from the watch to the next attempt").isGreaterThanOrEqualTo(40);
        // a deadline shorter than that pause is kept too
        attemptsAt.clear();
        start = System.nanoTime();
        assertThat(sync.tryLock(10, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("a 10 ms tryLock, generous bound")
                .isLessThan(10 + 300);
    }

    @Test
    void aTimedAcquisitionBoundsEachCallByTheTimeLeftAndNeverRetriesPastItsDeadline() throws Exception {
        List<Long> budgets = new CopyOnWriteArrayList<>();
        Scripted backend = new Scripted(call -> {
            throw new LockBackendException("connection refused", null);
        }) {
            @Override
            public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                            long timeoutNanos) {
                budgets.add(timeoutNanos);
                return super.tryAcquire(name, token, leaseMillis, willWait, timeoutNanos);
            }
        };
        LockSync sync = engine(backend, LockOptions.builder().retryCount(1000).retryBackoff(1)
                .retryDelay(Duration.ofMillis(20)).retryJitter(0).build()).sync("n");
        long start = System.nanoTime();
        assertThatThrownBy(() -> sync.tryLock(300, TimeUnit.MILLISECONDS))
                .isInstanceOf(LockBackendException.class)
                .hasMessageContaining("could not acquire lock 'n'");
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(tookMillis).as("returned by its deadline").isLessThan(300 + 100);
        assertThat(budgets).hasSizeGreaterThan(3);
        assertThat(budgets).allSatisfy(b -> assertThat(b).isBetween(AcquireLoop.MIN_ATTEMPT_NANOS,
                TimeUnit.MILLISECONDS.toNanos(300)));
        // untimed acquisitions pass no budget of their own
        budgets.clear();
        LockSync untimed = engine(backend, LockOptions.builder().retryCount(2).retryDelay(Duration.ofMillis(1)).build())
                .sync("n");
        assertThatThrownBy(untimed::tryLock).isInstanceOf(LockBackendException.class);
        assertThat(budgets).isNotEmpty().allSatisfy(b -> assertThat(b).isEqualTo(Long.MAX_VALUE));
    }

    /**
     * A back end that holds released locks back: waiting attempts are refused (answered after
     * {@code answerMillis}), attempts that will not wait get {@code notWaiting}'s answer.
     */
    private static Scripted holdingBack(boolean holdsBack, AtomicLong answerAt, List<Boolean> willWaits,
                                        List<Long> budgets, java.util.function.Supplier<AcquireResult> notWaiting) {
        return new Scripted(call -> AcquireResult.busy(10)) {
            @Override
            public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                            long timeoutNanos) {
                willWaits.add(willWait);
                budgets.add(timeoutNanos);
                if (!willWait) {
                    acquireTokens.add(token);
                    return notWaiting.get();
                }
                // a waiting attempt's busy answer comes at a set time (System.nanoTime())
                long left = answerAt.get() - System.nanoTime();
                if (left > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(left);
                }
                return super.tryAcquire(name, token, leaseMillis, willWait, timeoutNanos);
            }

            @Override
            public boolean reservesReleasedLocksForOthers() {
                return holdsBack;
            }
        };
    }

    @Test
    void aRefusedWaitingAttemptAnsweredPastTheDeadlineIsFollowedByOneThatDoesNotWait() throws Exception {
        List<Boolean> willWaits = new CopyOnWriteArrayList<>();
        List<Long> budgets = new CopyOnWriteArrayList<>();
        // the waiting attempt is sent before a 100 ms deadline and answered 20 ms after it (an
        // absolute time, so that a slow start on a loaded machine does not move the answer)
        AtomicLong answerAt = new AtomicLong();
        Scripted backend = holdingBack(true, answerAt, willWaits, budgets, () -> AcquireResult.acquired(3, 30_000));
        LockSync sync = engine(backend, LockOptions.defaults()).sync("n");
        long start = System.nanoTime();
        answerAt.set(start + TimeUnit.MILLISECONDS.toNanos(120));
        assertThat(sync.tryLock(100, TimeUnit.MILLISECONDS)).as("the free lock, taken at the deadline").isTrue();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        sync.unlock();
        assertThat(willWaits).startsWith(true).endsWith(false);
        assertThat(willWaits.stream().filter(w -> !w).count()).as("one attempt that does not wait").isEqualTo(1);
        // that attempt gets only what is left of the allowance past the deadline
        assertThat(budgets.get(budgets.size() - 1)).isLessThan(AcquireLoop.MIN_ATTEMPT_NANOS);
        assertThat(tookMillis).as("within the allowance past the deadline (generous bound)").isLessThan(100 + 50 + 500);

        // an error in that attempt: the busy answer stands, no exception, the token is cleaned up
        willWaits.clear();
        budgets.clear();
        Scripted failing = holdingBack(true, answerAt, willWaits, budgets, () -> {
            throw new LockBackendException("lost answer", null);
        });
        LockSync other = engine(failing, LockOptions.defaults()).sync("n");
        answerAt.set(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(120));
        assertThat(other.tryLock(100, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(willWaits).endsWith(false);
        String lost = failing.acquireTokens.get(failing.acquireTokens.size() - 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> failing.releasedTokens.contains(lost));

        // a back end that holds nothing back: every attempt of a timed acquisition waits
        willWaits.clear();
        Scripted plain = holdingBack(false, answerAt, willWaits, budgets, () -> AcquireResult.acquired(3, 30_000));
        answerAt.set(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(120));
        assertThat(engine(plain, LockOptions.defaults()).sync("n").tryLock(100, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(willWaits).isNotEmpty().containsOnly(true);
    }

    @Test
    void aPermanentErrorIsNotRetried() {
        Scripted backend = new Scripted(call -> {
            throw new LockBackendException("WRONGPASS invalid username-password pair", null, true);
        });
        LockSync sync = engine(backend, LockOptions.defaults()).sync("n");
        assertThatThrownBy(sync::lock)
                .isInstanceOf(LockBackendException.class)
                .hasMessageContaining("WRONGPASS")
                .matches(e -> ((LockBackendException) e).isPermanent(), "is permanent");
        assertThat(backend.acquireTokens).hasSize(1);
    }

    @Test
    void consecutiveLocalHoldersGetIncreasingTokensBelowTheNextLease() throws Exception {
        Scripted backend = new Scripted(call -> AcquireResult.acquired(100 + call, 30_000));
        LockSync sync = engine(backend, LockOptions.defaults()).sync("n");
        List<Long> tokens = new CopyOnWriteArrayList<>();
        sync.lock();
        tokens.add(sync.getFencingToken());
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Thread t = new Thread(() -> {
                sync.lock();
                try {
                    tokens.add(sync.getFencingToken());
                } finally {
                    sync.unlock();
                }
            });
            waiters.add(t);
            t.start();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> sync.hasQueuedThreads() && queued(sync) == 3);
        sync.unlock();
        for (Thread t : waiters) {
            t.join(5_000);
        }
        // one lease (server token 100), four holders: 100 << 10, then + 1, + 2, + 3
        assertThat(backend.acquireTokens).hasSize(1);
        assertThat(tokens).containsExactly(100L << 10, (100L << 10) + 1, (100L << 10) + 2, (100L << 10) + 3);
        sync.lock();
        try {
            assertThat(sync.getFencingToken()).isEqualTo(101L << 10);
        } finally {
            sync.unlock();
        }
    }

    private static int queued(LockSync sync) {
        return sync.queueLength();
    }

    @Test
    void overlappingRenewalsNeverLeaveAnEstimateBeyondTheEarliestTheServerCouldHaveKept() {
        long t = System.nanoTime();
        long thirtySeconds = TimeUnit.SECONDS.toNanos(30);
        long fiveMinutes = TimeUnit.MINUTES.toNanos(5);
        // watchdog renewal to 30 s and a user's renew(5 min) in flight together; the 5 min answer
        // comes back last although the server may have applied the 30 s one last
        Lease a = new Lease("t", 1, t + thirtySeconds, EngineClock.SYSTEM);
        a.beginRenewal(t + 1, thirtySeconds);
        a.beginRenewal(t + 2, fiveMinutes);
        a.endRenewal(true, t + 1 + thirtySeconds);
        a.endRenewal(true, t + 2 + fiveMinutes);
        assertThat(a.validUntilNanos()).isEqualTo(t + 1 + thirtySeconds);
        // the other order of answers
        Lease b = new Lease("t", 1, t + thirtySeconds, EngineClock.SYSTEM);
        b.beginRenewal(t + 1, thirtySeconds);
        b.beginRenewal(t + 2, fiveMinutes);
        b.endRenewal(true, t + 2 + fiveMinutes);
        b.endRenewal(true, t + 1 + thirtySeconds);
        assertThat(b.validUntilNanos()).isEqualTo(t + 1 + thirtySeconds);
        // a renewal on its own sets what the server confirmed, shorter or longer
        b.beginRenewal(t + 3, fiveMinutes);
        b.endRenewal(true, t + 3 + fiveMinutes);
        assertThat(b.validUntilNanos()).isEqualTo(t + 3 + fiveMinutes);
        b.beginRenewal(t + 4, thirtySeconds);
        b.endRenewal(true, t + 4 + thirtySeconds);
        assertThat(b.validUntilNanos()).isEqualTo(t + 4 + thirtySeconds);
        // a failed renewal still counts while it overlaps: the server may have applied it
        b.beginRenewal(t + 5, thirtySeconds / 30);
        b.beginRenewal(t + 6, fiveMinutes);
        b.endRenewal(false, 0);
        b.endRenewal(true, t + 6 + fiveMinutes);
        assertThat(b.validUntilNanos()).isEqualTo(t + 5 + thirtySeconds / 30);
        // an unanswered renewal to a shorter lease, on its own, may have been applied: it shortens
        b.beginRenewal(t + 7, fiveMinutes);
        b.endRenewal(true, t + 7 + fiveMinutes);
        b.beginRenewal(t + 8, thirtySeconds / 15);
        b.endRenewal(false, 0);
        assertThat(b.validUntilNanos()).isEqualTo(t + 8 + thirtySeconds / 15);
        // and an unanswered one to a longer lease changes nothing
        b.beginRenewal(t + 9, fiveMinutes);
        b.endRenewal(false, 0);
        assertThat(b.validUntilNanos()).isEqualTo(t + 8 + thirtySeconds / 15);
    }

    @Test
    void aGrantOnALeaseThatAlreadyRanOutIsNoHold() throws Exception {
        Scripted backend = new Scripted(call -> AcquireResult.acquired(50 + call, call == 0 ? 0 : 30_000));
        LockSync sync = engine(backend, LockOptions.defaults()).sync("n");
        sync.lock();
        try {
            assertThat(sync.isHeldByCurrentThread()).isTrue();
            assertThat(sync.getFencingToken()).isEqualTo(51L << 10);
            String first = backend.acquireTokens.get(0);
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.releasedTokens.contains(first));
        } finally {
            sync.unlock();
        }
    }

    /**
     * A grant whose answer comes back after the whole lease has passed since the request was
     * sent (a client paused by GC, a slow network): the server may already have let the lease
     * run out and granted the lock to another, so it is no hold. The back end reports the full
     * lease as valid (Redis cannot know how long the answer took); the engine must count from
     * when it sent the request.
     */
    @Test
    void aGrantAnsweredAfterItsWholeLeaseHasPassedIsNoHold() throws Exception {
        LockOptions shortLease = LockOptions.builder().leaseTime(Duration.ofMillis(300)).build();
        EngineClockTest.ManualClock clock = new EngineClockTest.ManualClock();
        Scripted backend = new Scripted(call -> {
            if (call == 0) {
                // the answer to the first request arrives past its lease, on the engine's clock
                clock.advance(Duration.ofMillis(450));
            }
            return AcquireResult.acquired(50 + call, 300);
        });
        LockSync sync = engine(backend, shortLease, clock).sync("n");
        sync.lock();
        try {
            assertThat(sync.isHeldByCurrentThread()).as("lock() returned holding a lease it can still count on").isTrue();
            assertThat(backend.acquireTokens).hasSize(2);
            assertThat(sync.getFencingToken()).isEqualTo(51L << 10);
            String late = backend.acquireTokens.get(0);
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.releasedTokens.contains(late));
        } finally {
            sync.unlock();
        }
    }

    /**
     * A grant answered late, but within its lease, is renewed one renewal interval after its
     * request was sent, not after the answer came: otherwise the first renewal would fall after
     * the lease the engine can count on has ended, and a healthy lock would be reported not held.
     */
    @Test
    void aGrantAnsweredLateIsRenewedOnTheScheduleOfItsRequest() throws Exception {
        LockOptions shortLease = LockOptions.builder().leaseTime(Duration.ofMillis(600)).build();
        EngineClockTest.ManualClock clock = new EngineClockTest.ManualClock();
        List<Long> renewedAt = new CopyOnWriteArrayList<>();
        long[] sentAt = new long[1];
        Scripted backend = new Scripted(call -> {
            sentAt[0] = clock.nanoTime();
            // the answer comes late, but within the 600 ms lease, on the engine's clock
            clock.advance(Duration.ofMillis(450));
            return AcquireResult.acquired(60, 600);
        }) {
            @Override
            public long renew(String name, String token, long leaseMillis) {
                renewedAt.add(clock.nanoTime());
                return super.renew(name, token, leaseMillis);
            }
        };
        LockSync sync = engine(backend, shortLease, clock).sync("n");
        sync.lock();
        try {
            // the first renewal is due 200 ms after the request: at the sweeper's next visit once
            // the answer is in (before: 200 ms after the answer, 650 ms after the request, past the
            // lease; the clock stands still, so it would never have come)
            await().atMost(Duration.ofSeconds(5)).until(() -> !renewedAt.isEmpty());
            long firstRenewalMillis = TimeUnit.NANOSECONDS.toMillis(renewedAt.get(0) - sentAt[0]);
            assertThat(firstRenewalMillis).as("first renewal, ms after the request").isLessThan(600);
            // past the end of the lease counted from the request
            clock.advance(Duration.ofMillis(250));
            assertThat(sync.isHeldByCurrentThread()).as("held past the first lease, renewed").isTrue();
        } finally {
            sync.unlock();
        }
    }

    @Test
    void anAcquisitionThatEndsWhileTheFactoryClosesIsLost() throws Exception {
        java.util.concurrent.CountDownLatch inCall = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        Scripted backend = new Scripted(call -> {
            inCall.countDown();
            try {
                closed.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return AcquireResult.acquired(9, 30_000);
        });
        LockEngine engine = engine(backend, LockOptions.defaults());
        LockSync sync = engine.sync("n");
        java.util.concurrent.CompletableFuture<String> holder = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            sync.lock();
            String held = "held " + sync.isHeldByCurrentThread();
            try {
                sync.unlock();
                return held + ", unlocked";
            } catch (io.distlock.LeaseLostException e) {
                return held + ", lease lost";
            }
        });
        assertThat(inCall.await(10, TimeUnit.SECONDS)).isTrue();
        java.util.concurrent.CompletableFuture<Void> closing = java.util.concurrent.CompletableFuture.runAsync(engine::close);
        await().atMost(Duration.ofSeconds(5)).until(engine::isClosed);
        closed.countDown();
        closing.get(10, TimeUnit.SECONDS);
        assertThat(holder.get(10, TimeUnit.SECONDS)).isEqualTo("held false, lease lost");
        assertThat(backend.releasedTokens).contains(backend.acquireTokens.get(0));
    }

    /** A back end whose acquire answers come from a script indexed by call number. */
    /**
     * A fair lock (watchdog on): X holds it locally while its lease is lost; W, granted, gives its
     * lease back and waits for X locally; X unlocks, so W holds the local lock without a lease and
     * queues again, but its request is held back until T, a third thread, has been granted on the
     * server. T must not wait for the local lock with its lease (renewed for ever) while W, which
     * holds the local lock, waits on the server behind T: T gives its lease back and waits its
     * turn locally, and W gets the lock. (Before, T waited, and neither ever got in.)
     */
    @Test
    void aFairWaiterGrantedWhileALeaselessThreadHoldsTheLocalLockGivesItsLeaseBack() throws Exception {
        InMemory backend = new InMemory();
        LockEngine engine = engine(backend, LockOptions.builder().fair(true).leaseTime(Duration.ofSeconds(3)).build());
        LockSync sync = engine.sync("n");
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
        try {
            java.util.concurrent.CountDownLatch xUnlock = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.Future<String> x = threads.submit(() -> {
                sync.lock();
                xUnlock.await();
                try {
                    sync.unlock();
                    return "released";
                } catch (io.distlock.LeaseLostException e) {
                    return "lost";
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.owner() != null);
            backend.forget();   // the server lets X's lease go: its next renewal is refused
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.refusedRenewals.get() > 0);
            java.util.concurrent.Future<?> w = threads.submit(() -> {
                backend.gate(Thread.currentThread(), 2);   // W's second acquire call is held back
                sync.lock();
                sync.unlock();
                return null;
            });
            // W was granted, saw X lease-less, gave its lease back and waits for X locally
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.grants.get() >= 2 && backend.owner() == null);
            xUnlock.countDown();
            assertThat(x.get(10, TimeUnit.SECONDS)).isEqualTo("lost");
            await().atMost(Duration.ofSeconds(10)).until(backend::gateReached);   // W queues again, held back
            java.util.concurrent.Future<?> t = threads.submit(() -> {
                sync.lock();
                sync.unlock();
                return null;
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.grants.get() >= 3);   // T granted
            // T gives its lease back (the server is free again) rather than wait on W locally
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.owner() == null);
            backend.openGate();
            w.get(20, TimeUnit.SECONDS);
            t.get(20, TimeUnit.SECONDS);
        } finally {
            backend.openGate();
            threads.shutdownNow();
        }
    }

    /**
     * A fair waiter granted on the server and waiting for the local lock when the factory closes:
     * lock() throws IllegalStateException, as its javadoc says, instead of returning without the
     * lock. (The server here lets W in beside X, so that W waits for the local lock.)
     */
    @Test
    void aFairLockCallWaitingForTheLocalLockWhenTheFactoryClosesThrows() throws Exception {
        InMemory backend = new InMemory();
        LockEngine engine = new LockEngine(backend, LockOptions.builder().fair(true).build(), null, "test");
        LockSync sync = engine.sync("n");
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
        try {
            java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
            threads.submit(() -> {
                sync.lock();
                closed.await();
                return null;
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.owner() != null);
            backend.forgetButRenew();   // X keeps a valid lease, and W is granted all the same
            java.util.concurrent.atomic.AtomicReference<Thread> wThread = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.Future<Throwable> w = threads.submit(() -> {
                wThread.set(Thread.currentThread());
                try {
                    sync.lock();
                    return null;
                } catch (Throwable e) {
                    return e;
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.grants.get() >= 2);
            io.distlock.testing.Waiter.awaitParked(wThread.get());   // W waits for the local lock in its short steps
            engine.close();
            closed.countDown();
            assertThat(w.get(20, TimeUnit.SECONDS)).as("W's lock() after the close")
                    .isInstanceOf(IllegalStateException.class);
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * A lock server in memory for the engine's fair paths: one owner at a time, expiring never;
     * the test can make it forget the owner (refusing its renewals, or not) and hold back one
     * thread's n-th acquire call.
     */
    static final class InMemory implements LockBackend {
        private final java.util.concurrent.atomic.AtomicReference<String> owner = new java.util.concurrent.atomic.AtomicReference<>();
        private final java.util.Set<String> refused = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private volatile boolean renewForgotten;
        final AtomicInteger acquireCalls = new AtomicInteger();
        final AtomicInteger grants = new AtomicInteger();
        final AtomicInteger refusedRenewals = new AtomicInteger();
        private volatile Thread gated;
        private volatile int gatedCall;
        private final AtomicInteger gatedCalls = new AtomicInteger();
        private final java.util.concurrent.CountDownLatch gateOpen = new java.util.concurrent.CountDownLatch(1);
        private volatile boolean gateReached;

        String owner() {
            return owner.get();
        }

        /** The owner's lease is gone on the server: its renewals are refused. */
        void forget() {
            String o = owner.getAndSet(null);
            if (o != null) {
                refused.add(o);
            }
        }

        /** The owner is forgotten, but its renewals still succeed (a server that grants twice). */
        void forgetButRenew() {
            renewForgotten = true;
            owner.set(null);
        }

        /** Holds back {@code t}'s {@code n}-th acquire call until {@link #openGate()}. */
        void gate(Thread t, int n) {
            gatedCall = n;
            gated = t;
        }

        boolean gateReached() {
            return gateReached;
        }

        void openGate() {
            gateOpen.countDown();
        }

        @Override
        public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                        long timeoutNanos) {
            acquireCalls.incrementAndGet();
            if (Thread.currentThread() == gated && gatedCalls.incrementAndGet() == gatedCall) {
                gateReached = true;
                try {
                    gateOpen.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (owner.compareAndSet(null, token) || token.equals(owner.get())) {
                grants.incrementAndGet();
                return AcquireResult.acquired(grants.get(), leaseMillis);
            }
            return AcquireResult.busy(-1);
        }

        @Override
        public ReleaseResult release(String name, String token) {
            return owner.compareAndSet(token, null) ? ReleaseResult.RELEASED : ReleaseResult.NOT_OWNED;
        }

        @Override
        public long renew(String name, String token, long leaseMillis) {
            if (refused.contains(token)) {
                refusedRenewals.incrementAndGet();
                return -1;
            }
            return token.equals(owner.get()) || renewForgotten ? leaseMillis : -1;
        }

        @Override
        public LeaseSnapshot inspect(String name) {
            return owner.get() == null ? LeaseSnapshot.free() : LeaseSnapshot.held(-1, 0);
        }

        @Override
        public boolean isLocked(String name) {
            return owner.get() != null;
        }

        @Override
        public ReleaseWatch watch(String name, String token, Runnable onRelease) {
            return new ReleaseWatch() {
                @Override
                public boolean isActive() {
                    return false;   // re-check on the engine's short timer
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public String describe() {
            return "in memory";
        }

        @Override
        public void close() {
        }
    }

    static class Scripted implements LockBackend {
        final List<String> acquireTokens = new CopyOnWriteArrayList<>();
        final List<String> watchTokens = new CopyOnWriteArrayList<>();
        final List<String> releasedTokens = new CopyOnWriteArrayList<>();
        /** Whether its watches say they await the server's confirmation (which never comes). */
        volatile boolean watchesAwaitConfirmation;
        private final Function<Integer, AcquireResult> script;
        private final AtomicInteger calls = new AtomicInteger();

        Scripted(Function<Integer, AcquireResult> script) {
            this.script = script;
        }

        @Override
        public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                        long timeoutNanos) {
            acquireTokens.add(token);
            return script.apply(calls.getAndIncrement());
        }

        @Override
        public ReleaseResult release(String name, String token) {
            releasedTokens.add(token);
            return ReleaseResult.RELEASED;
        }

        @Override
        public long renew(String name, String token, long leaseMillis) {
            return leaseMillis;
        }

        @Override
        public LeaseSnapshot inspect(String name) {
            return LeaseSnapshot.free();
        }

        @Override
        public boolean isLocked(String name) {
            return false;
        }

        @Override
        public ReleaseWatch watch(String name, String token, Runnable onRelease) {
            watchTokens.add(token);
            return new ReleaseWatch() {
                @Override
                public boolean isActive() {
                    // answers are not flowing: the engine re-checks on its short timer
                    return false;
                }

                @Override
                public boolean awaitsConfirmation() {
                    return watchesAwaitConfirmation;
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public String describe() {
            return "scripted";
        }

        @Override
        public void close() {
        }
    }
}
