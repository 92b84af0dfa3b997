package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.distlock.testing.Holder;
import io.distlock.testing.Waiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every back end's {@link DistributedLock} must keep (BRIEF.md items 1-12, and
 * {@code ReentrantLock}'s javadoc where those are silent). A back end's test subclasses it and
 * says how to make a lock factory and how to reach its server.
 *
 * <p>"Another JVM" is simulated by a second, independent factory: it has its own engine, local
 * registry and subscription, exactly as a second process would. Separate-process tests live in
 * each back end's cross-process test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class DistributedLockContractTest implements JdkParityContract {

    /** Makes a new, independent factory against the test server. */
    protected abstract DistributedLockFactory newSource(LockOptions options, LeaseListener listener);

    /** Lock names of this test class still present on the server (must be none after a test). */
    protected abstract List<String> lockedNamesOnServer();

    /** Freezes the server (SIGSTOP). */
    protected abstract void pauseServer();

    /** Unfreezes the server (SIGCONT). */
    protected abstract void resumeServer();

    /** Kills the server (SIGKILL). */
    protected abstract void killServer();

    /** Starts the killed server again on the same address. */
    protected abstract void restartServer();

    /**
     * How much later than its deadline a timed call may return when the server is frozen: the
     * back end's documented slack (Redis: one socket timeout; etcd: none beyond the least time
     * one attempt is given), plus a margin for a loaded machine.
     */
    protected abstract long deadlineSlackMillis();

    /** The shortest lease the server honours as asked (etcd raises very short ones to about 2 s). */
    protected long shortLeaseMillis() {
        return 1_000;
    }

    private final List<DistributedLockFactory> sources = new CopyOnWriteArrayList<>();
    private final List<String> lostLeases = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "contract-worker");
        t.setDaemon(true);
        return t;
    });
    /** A factory, as one JVM would have. */
    protected DistributedLockFactory here;
    /** An independent factory, as another JVM would have. */
    protected DistributedLockFactory elsewhere;
    /** A fresh lock name for the test. */
    protected String name;

    /**
     * Whether this run's factories make {@linkplain LockOptions#fair() fair} locks: a back end's
     * fair subclass runs the whole contract again with them (tests of local hand-overs and of the
     * local queue, which fair locks do not use, are skipped there).
     */
    protected boolean fair() {
        return false;
    }

    @Override
    public DistributedLockFactory factoryHere() {
        return here;
    }

    @Override
    public DistributedLockFactory factoryElsewhere() {
        return elsewhere;
    }

    @Override
    public String lockName() {
        return name;
    }

    @Override
    public boolean fairLocks() {
        return fair();
    }

    protected DistributedLockFactory source(LockOptions options) {
        LockOptions used = fair() ? options.toBuilder().fair(true).build() : options;
        DistributedLockFactory s = newSource(used, (n, fence) -> lostLeases.add(n + "#" + fence));
        sources.add(s);
        return s;
    }

    @BeforeEach
    void setUpSources() {
        here = source(LockOptions.defaults());
        elsewhere = source(LockOptions.defaults());
        name = "contract-" + UUID.randomUUID();
    }

    @AfterEach
    void closeSourcesAndCheckServer() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).as("test threads finished").isTrue();
        for (DistributedLockFactory s : sources) {
            s.close();
        }
        assertThat(lockedNamesOnServer()).as("locks left on the server").isEmpty();
    }

    private <T> Future<T> async(java.util.concurrent.Callable<T> body) {
        return pool.submit(body);
    }

    /**
     * Whether the independent factory ("another JVM") takes the lock of {@code lockName}, waiting
     * at most {@code waitMillis} (0: a {@code tryLock()}), and gives it back.
     */
    private boolean elsewhereTakesAndReleases(String lockName, long waitMillis) throws Exception {
        return async(() -> {
            DistributedLock other = elsewhere.getLock(lockName);
            boolean got = waitMillis > 0 ? other.tryLock(waitMillis, TimeUnit.MILLISECONDS) : other.tryLock();
            if (got) {
                other.unlock();
            }
            return got;
        }).get(60, TimeUnit.SECONDS);
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    // ---- basic acquisition ------------------------------------------------------------------

    @Test
    void lockAndUnlockTakeAndGiveBackTheServerLock() {
        DistributedLock lock = here.getLock(name);
        assertThat(lock.isLocked()).isFalse();
        lock.lock();
        try {
            assertThat(lock.isHeldByCurrentThread()).isTrue();
            assertThat(lock.getHoldCount()).isEqualTo(1);
            assertThat(lock.isLocked()).isTrue();
            assertThat(elsewhere.getLock(name).isLocked()).isTrue();
            assertThat(lock.getFencingToken()).isPositive();
            assertThat(lock.toString()).contains(name).contains("Locked by thread " + Thread.currentThread().getName());
        } finally {
            lock.unlock();
        }
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        assertThat(lock.getHoldCount()).isZero();
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.toString()).endsWith("[Unlocked]");
    }

    @Test
    void pingAnswersWhileTheServerDoesAndRefusesAfterClose() {
        here.ping();
        DistributedLockFactory closed = source(LockOptions.defaults());
        closed.close();
        assertThatThrownBy(closed::ping).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void tryLockTakesAFreeLockAndNeverWaitsForAHeldOne() throws Exception {
        try (Holder holder = Holder.hold(elsewhere.getLock(name))) {
            long start = System.nanoTime();
            assertThat(async(() -> here.getLock(name).tryLock()).get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(millisSince(start)).isLessThan(2_000);
            assertThat(holder.release()).isNull();
        }
        DistributedLock lock = here.getLock(name);
        assertThat(lock.tryLock()).isTrue();
        lock.unlock();
    }

    @Test
    void tryLockOnALockHeldByAnotherThreadOfThisJvmFailsAtOnce() throws Exception {
        try (Holder holder = Holder.hold(here.getLock(name))) {
            assertThat(async(() -> here.getLock(name).tryLock()).get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(async(() -> here.getLock(name).tryLock(200, TimeUnit.MILLISECONDS))
                    .get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(holder.release()).isNull();
        }
    }

    @Test
    void timedTryLockReturnsFalseAfterAboutItsTimeout() throws Exception {
        try (Holder holder = Holder.hold(elsewhere.getLock(name))) {
            long start = System.nanoTime();
            boolean got = async(() -> here.getLock(name).tryLock(500, TimeUnit.MILLISECONDS)).get(30, TimeUnit.SECONDS);
            long elapsed = millisSince(start);
            assertThat(got).isFalse();
            assertThat(elapsed).isBetween(450L, 2_500L);
            assertThat(holder.release()).isNull();
        }
    }

    @Test
    void nonPositiveTimeoutMeansDoNotWait() throws Exception {
        try (Holder holder = Holder.hold(elsewhere.getLock(name))) {
            long start = System.nanoTime();
            assertThat(async(() -> here.getLock(name).tryLock(-5, TimeUnit.SECONDS)).get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(async(() -> here.getLock(name).tryLock(0, TimeUnit.SECONDS)).get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(millisSince(start)).isLessThan(2_000);
            holder.release();
        }
        DistributedLock lock = here.getLock(name);
        assertThat(lock.tryLock(0, TimeUnit.SECONDS)).isTrue();
        lock.unlock();
    }

    @Test
    void aWaiterWakesPromptlyWhenAnotherJvmReleases() throws Exception {
        Holder holder = Holder.hold(elsewhere.getLock(name));
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        Future<Long> waiter = async(() -> {
            DistributedLock lock = here.getLock(name);
            waiterThread.set(Thread.currentThread());
            waiting.countDown();
            if (!lock.tryLock(20, TimeUnit.SECONDS)) {
                return -1L;
            }
            long woke = System.nanoTime();
            lock.unlock();
            return woke;
        });
        assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();
        Waiter.awaitParked(waiterThread.get());
        long released = System.nanoTime();
        assertThat(holder.release()).isNull();
        long woke = waiter.get(30, TimeUnit.SECONDS);
        assertThat(woke).as("waiter acquired").isNotEqualTo(-1L);
        // the holder's lease is 30 s: waking within 2 s means a notification, not the fallback
        assertThat(TimeUnit.NANOSECONDS.toMillis(woke - released)).isLessThan(2_000);
    }

    @Test
    void lockWaitsUntilTheHolderReleases() throws Exception {
        Holder holder = Holder.hold(elsewhere.getLock(name));
        AtomicBoolean got = new AtomicBoolean();
        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Future<?> waiter = async(() -> {
            waiterThread.set(Thread.currentThread());
            started.countDown();
            DistributedLock lock = here.getLock(name);
            lock.lock();
            got.set(true);
            lock.unlock();
            return null;
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        Waiter.awaitParked(waiterThread.get());
        assertThat(got).isFalse();
        holder.release();
        waiter.get(30, TimeUnit.SECONDS);
        assertThat(got).isTrue();
    }

    // ---- reentrancy -------------------------------------------------------------------------

    @Test
    void reentrantAcquisitionsNeedNoServerAndMustBeMatchedByUnlocks() throws Exception {
        DistributedLock lock = here.getLock(name);
        lock.lock();
        int depth = 1;
        pauseServer();
        try {
            // with the server frozen, any network call would block: these must all be local
            long start = System.nanoTime();
            for (int i = 0; i < 1_000; i++) {
                lock.lock();
                assertThat(lock.tryLock()).isTrue();
                assertThat(lock.tryLock(1, TimeUnit.SECONDS)).isTrue();
                lock.lockInterruptibly();
                depth += 4;
            }
            assertThat(millisSince(start)).isLessThan(2_000);
            assertThat(lock.getHoldCount()).isEqualTo(depth);
            for (int i = 1; i < depth; i++) {
                lock.unlock();
            }
            assertThat(lock.getHoldCount()).isEqualTo(1);
        } finally {
            resumeServer();
        }
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        assertThat(async(() -> elsewhere.getLock(name).tryLock()).get(10, TimeUnit.SECONDS)).isFalse();
        lock.unlock();
        assertThat(lock.getHoldCount()).isZero();
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void twoLockObjectsOfOneFactoryShareTheHold() {
        DistributedLock a = here.getLock(name);
        DistributedLock b = here.getLock(name);
        a.lock();
        assertThat(b.tryLock()).isTrue();
        assertThat(a.getHoldCount()).isEqualTo(2);
        assertThat(b.isHeldByCurrentThread()).isTrue();
        b.unlock();
        a.unlock();
        assertThat(a.isLocked()).isFalse();
    }

    // ---- misuse -----------------------------------------------------------------------------

    @Test
    void unlockWithoutHoldingThrowsIllegalMonitorState() {
        DistributedLock lock = here.getLock(name);
        assertThatThrownBy(lock::unlock).isExactlyInstanceOf(IllegalMonitorStateException.class)
                .hasMessageContaining(name);
        assertThatThrownBy(lock::getFencingToken).isInstanceOf(IllegalMonitorStateException.class);
    }

    @Test
    void unlockByAnotherThreadThrowsAndLeavesTheHolderHoldingIt() throws Exception {
        DistributedLock lock = here.getLock(name);
        try (Holder holder = Holder.hold(lock)) {
            Future<Throwable> wrong = async(() -> {
                try {
                    lock.unlock();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            assertThat(wrong.get(10, TimeUnit.SECONDS)).isExactlyInstanceOf(IllegalMonitorStateException.class);
            assertThat(lock.isLocked()).isTrue();
            assertThat(async(() -> elsewhere.getLock(name).tryLock()).get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(holder.release()).isNull();
        }
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void badInputIsRejectedWithAClearMessage() {
        assertThatThrownBy(() -> here.getLock(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> here.getLock("")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> here.getLock("x".repeat(5_000))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4096");
        DistributedLock lock = here.getLock(name);
        assertThatThrownBy(() -> lock.tryLock(1, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("unit");
        assertThatThrownBy(() -> lock.newCondition("x".repeat(5_000))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4096");
        assertThatThrownBy(() -> LockOptions.builder().leaseTime(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseTime");
        assertThatThrownBy(() -> LockOptions.builder().leaseTime(Duration.ofDays(365)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseTime");
        assertThatThrownBy(() -> LockOptions.builder().retryCount(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retryCount");
        assertThatThrownBy(() -> LockOptions.builder().retryDelay(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("retryDelay");
        assertThatThrownBy(() -> LockOptions.builder().maxLocalHandoffs(-3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLocalHandoffs");
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void aClosedFactoryRefusesWork() {
        DistributedLockFactory s = source(LockOptions.defaults());
        DistributedLock lock = s.getLock(name);
        s.close();
        assertThatThrownBy(lock::lock).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(lock::tryLock).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> s.getLock(name)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void closingAFactoryWakesItsWaitersWithAnError() throws Exception {
        DistributedLockFactory s = source(LockOptions.defaults());
        try (Holder holder = Holder.hold(elsewhere.getLock(name))) {
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Thread> waiterThread = new AtomicReference<>();
            Future<Throwable> waiter = async(() -> {
                waiterThread.set(Thread.currentThread());
                started.countDown();
                try {
                    s.getLock(name).lock();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            Waiter.awaitParked(waiterThread.get());
            s.close();
            assertThat(waiter.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
            assertThat(holder.release()).isNull();
        }
    }

    @Test
    void closingAFactoryGivesBackItsLeasesAndTellsTheHolder() throws Exception {
        DistributedLockFactory s = source(LockOptions.defaults());
        DistributedLock lock = s.getLock(name);
        lock.lock();
        long fence = lock.getFencingToken();
        s.close();
        assertThat(lostLeases).contains(name + "#" + fence);
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        assertThat(elsewhereTakesAndReleases(name, 0)).isTrue();
        assertThatThrownBy(lock::unlock).isInstanceOf(LeaseLostException.class);
        assertThat(lock.getHoldCount()).isZero();
    }

    // ---- interrupts -------------------------------------------------------------------------

    @Test
    void lockIsNotAbortedByAnInterruptAndKeepsTheInterruptStatus() throws Exception {
        Holder holder = Holder.hold(elsewhere.getLock(name));
        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Future<Boolean> waiter = async(() -> {
            waiterThread.set(Thread.currentThread());
            DistributedLock lock = here.getLock(name);
            started.countDown();
            lock.lock();
            boolean interrupted = Thread.currentThread().isInterrupted();
            lock.unlock();
            Thread.interrupted();
            return interrupted;
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        Waiter.awaitParked(waiterThread.get());
        // it takes the interrupt in and waits again, without returning
        Waiter.interruptAndAwaitWaitingAgain(waiterThread.get());
        assertThat(waiter.isDone()).as("lock() still waiting after the interrupt").isFalse();
        holder.release();
        assertThat(waiter.get(30, TimeUnit.SECONDS)).as("interrupt status kept").isTrue();
    }

    @Test
    void lockInterruptiblyThrowsWhenInterruptedWhileWaitingForTheServer() throws Exception {
        try (Holder holder = Holder.hold(elsewhere.getLock(name))) {
            assertInterruptibleWait(() -> here.getLock(name).lockInterruptibly());
            assertThat(holder.release()).isNull();
        }
    }

    @Test
    void lockInterruptiblyThrowsWhenInterruptedWhileQueuedLocally() throws Exception {
        try (Holder holder = Holder.hold(here.getLock(name))) {
            assertInterruptibleWait(() -> here.getLock(name).lockInterruptibly());
            assertThat(holder.release()).isNull();
        }
    }

    @Test
    void timedTryLockThrowsWhenInterruptedWhileWaitingForTheServer() throws Exception {
        try (Holder holder = Holder.hold(elsewhere.getLock(name))) {
            assertInterruptibleWait(() -> here.getLock(name).tryLock(30, TimeUnit.SECONDS));
            assertThat(holder.release()).isNull();
        }
    }

    @Test
    void timedTryLockThrowsWhenInterruptedWhileQueuedLocally() throws Exception {
        try (Holder holder = Holder.hold(here.getLock(name))) {
            assertInterruptibleWait(() -> here.getLock(name).tryLock(30, TimeUnit.SECONDS));
            assertThat(holder.release()).isNull();
        }
    }

    @Test
    void lockInterruptiblyWithTheInterruptAlreadySetThrowsAtOnce() {
        DistributedLock lock = here.getLock(name);
        Thread.currentThread().interrupt();
        assertThatThrownBy(lock::lockInterruptibly).isInstanceOf(InterruptedException.class);
        assertThat(Thread.interrupted()).isFalse();
        assertThat(lock.getHoldCount()).isZero();
        assertThat(lock.isLocked()).isFalse();
    }

    private interface Interruptible {
        void run() throws InterruptedException;
    }

    private void assertInterruptibleWait(Interruptible wait) throws Exception {
        AtomicReference<Thread> t = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Future<String> f = async(() -> {
            t.set(Thread.currentThread());
            started.countDown();
            try {
                wait.run();
                return "acquired";
            } catch (InterruptedException e) {
                return "interrupted, status " + Thread.currentThread().isInterrupted()
                        + ", holds " + here.getLock(name).getHoldCount();
            }
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        Waiter.awaitParked(t.get());
        assertThat(f.isDone()).as("still waiting before the interrupt").isFalse();
        t.get().interrupt();
        assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("interrupted, status false, holds 0");
    }

    // ---- mutual exclusion -------------------------------------------------------------------

    @Test
    void differentNamesNeverBlockEachOther() throws Exception {
        try (Holder holder = Holder.hold(elsewhere.getLock(name))) {
            DistributedLock other = here.getLock(name + "-other");
            assertThat(other.tryLock()).isTrue();
            other.unlock();
            holder.release();
        }
    }

    @Test
    void threadsOfSeveralFactoriesNeverOverlap() throws Exception {
        long[] counter = {0};
        int holds = contend(List.of(here, elsewhere, source(LockOptions.defaults())), new int[] {3, 3, 3}, 30, lock -> {
            long v = counter[0];
            Thread.yield();
            counter[0] = v + 1;
        });
        assertThat(counter[0]).isEqualTo(holds);
    }

    /**
     * Threads of several factories (as many JVMs) each hold the test's lock {@code rounds} times
     * and run {@code body} inside, checking that no two are inside at once; returns the holds.
     */
    private int contend(List<DistributedLockFactory> jvms, int[] threads, int rounds,
                        java.util.function.Consumer<DistributedLock> body) throws Exception {
        AtomicReference<Thread> inside = new AtomicReference<>();
        List<Future<?>> all = new ArrayList<>();
        int holds = 0;
        for (int j = 0; j < jvms.size(); j++) {
            DistributedLockFactory jvm = jvms.get(j);
            holds += threads[j] * rounds;
            for (int t = 0; t < threads[j]; t++) {
                all.add(async(() -> {
                    DistributedLock lock = jvm.getLock(name);
                    for (int i = 0; i < rounds; i++) {
                        lock.lock();
                        try {
                            assertThat(inside.getAndSet(Thread.currentThread())).isNull();
                            body.accept(lock);
                            inside.set(null);
                        } finally {
                            lock.unlock();
                        }
                    }
                    return null;
                }));
            }
        }
        for (Future<?> f : all) {
            f.get(90, TimeUnit.SECONDS);
        }
        return holds;
    }

    @Test
    void aJvmWhoseThreadsKeepTheLockBusyStillLetsAnotherJvmIn() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong acquisitions = new AtomicLong();
        List<Future<Integer>> busy = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            busy.add(async(() -> {
                DistributedLock lock = here.getLock(name);
                int n = 0;
                for (int i = 0; i < 20_000 && !stop.get(); i++) {
                    lock.lock();
                    try {
                        n++;
                        acquisitions.incrementAndGet();
                    } finally {
                        lock.unlock();
                    }
                }
                return n;
            }));
        }
        // this JVM keeps the lock busy before the other asks
        await().atMost(Duration.ofSeconds(20)).until(() -> acquisitions.get() >= 50);
        long start = System.nanoTime();
        boolean got = async(() -> {
            DistributedLock lock = elsewhere.getLock(name);
            if (!lock.tryLock(20, TimeUnit.SECONDS)) {
                return false;
            }
            lock.unlock();
            return true;
        }).get(60, TimeUnit.SECONDS);
        long waited = millisSince(start);
        stop.set(true);
        int total = 0;
        for (Future<Integer> f : busy) {
            total += f.get(60, TimeUnit.SECONDS);
        }
        System.out.println("another JVM got in after " + waited + " ms; the busy JVM made " + total + " acquisitions");
        assertThat(got).as("the other JVM acquired while this one was busy").isTrue();
        assertThat(waited).isLessThan(5_000);
    }

    @Test
    void fencingTokensGrowWithEveryAcquisition() throws Exception {
        long last = 0;
        for (int i = 0; i < 6; i++) {
            DistributedLockFactory jvm = i % 2 == 0 ? here : elsewhere;
            long fence = async(() -> {
                DistributedLock lock = jvm.getLock(name);
                lock.lock();
                try {
                    return lock.getFencingToken();
                } finally {
                    lock.unlock();
                }
            }).get(30, TimeUnit.SECONDS);
            assertThat(fence).isGreaterThan(last);
            last = fence;
        }
    }

    // ---- leases -----------------------------------------------------------------------------

    /** Counts the successful renewals of lock {@code lockName}'s leases in {@code factory}. */
    protected static AtomicInteger renewals(DistributedLockFactory factory, String lockName) {
        AtomicInteger renewed = new AtomicInteger();
        factory.addObserver(new LockObserver() {
            @Override
            public void renewed(String renewedName, boolean succeeded) {
                if (succeeded && renewedName.equals(lockName)) {
                    renewed.incrementAndGet();
                }
            }
        });
        return renewed;
    }

    @Test
    void theWatchdogKeepsTheLockPastItsLease() throws Exception {
        DistributedLockFactory shortLease = source(LockOptions.builder().leaseTime(Duration.ofMillis(600)).build());
        AtomicInteger renewed = renewals(shortLease, name);
        DistributedLock lock = shortLease.getLock(name);
        lock.lock();
        long start = System.nanoTime();
        try {
            for (int i = 1; i <= 4; i++) {
                // the watchdog renews every third of the lease: two more renewals each round
                int atLeast = 2 * i;
                await().atMost(Duration.ofSeconds(10)).until(() -> renewed.get() >= atLeast);
                assertThat(lock.isHeldByCurrentThread()).isTrue();
                assertThat(async(() -> elsewhere.getLock(name).tryLock()).get(10, TimeUnit.SECONDS)).isFalse();
            }
            assertThat(millisSince(start)).as("held past twice its lease").isGreaterThan(1_200);
        } finally {
            lock.unlock();
        }
        assertThat(lostLeases).isEmpty();
    }

    @Test
    void aFixedLeaseRunsOutAndItsLossIsReported() throws Exception {
        DistributedLockFactory fixed = source(LockOptions.builder().leaseTime(Duration.ofMillis(400)).watchdog(false).build());
        DistributedLock lock = fixed.getLock(name);
        lock.lock();
        long fence = lock.getFencingToken();
        await().atMost(Duration.ofSeconds(10)).until(() -> lostLeases.contains(name + "#" + fence));
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        assertThat(lock.getHoldCount()).isEqualTo(1);
        long newFence = async(() -> {
            DistributedLock other = elsewhere.getLock(name);
            assertThat(other.tryLock(10, TimeUnit.SECONDS)).isTrue();
            try {
                return other.getFencingToken();
            } finally {
                other.unlock();
            }
        }).get(30, TimeUnit.SECONDS);
        assertThat(newFence).isGreaterThan(fence);
        assertThatThrownBy(lock::unlock).isInstanceOf(LeaseLostException.class)
                .isInstanceOf(IllegalMonitorStateException.class)
                .hasMessageContaining(name)
                .satisfies(e -> assertThat(((LeaseLostException) e).getFencingToken()).isEqualTo(fence));
        assertThat(lock.getHoldCount()).isZero();
    }

    /**
     * A lost lease is final for its hold: no acquisition method lets the thread re-enter (the
     * heartbeat of Spring Integration's leader initiator is a re-entrant tryLock, and a thread
     * that re-entered a lost hold kept leading next to the new leader). Each throws
     * LeaseLostException and leaves the hold count as it was, already before the sweeper has
     * reported the loss; once every hold is released the thread acquires afresh.
     */
    @Test
    void aThreadWhoseLeaseWasLostCannotReenterTheLock() throws Exception {
        DistributedLockFactory fixed = source(LockOptions.builder().leaseTime(Duration.ofMillis(shortLeaseMillis()))
                .watchdog(false).build());
        DistributedLock lock = fixed.getLock(name);
        lock.lock();
        long fence = lock.getFencingToken();
        await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> !lock.isHeldByCurrentThread());
        // at once, whether or not the loss has been reported yet
        assertThatThrownBy(lock::tryLock).isInstanceOf(LeaseLostException.class)
                .satisfies(e -> assertThat(((LeaseLostException) e).getFencingToken()).isEqualTo(fence));
        await().atMost(Duration.ofSeconds(10)).until(() -> lostLeases.contains(name + "#" + fence));
        // another JVM takes the lock; the old holder still cannot re-enter, by any method
        DistributedLock other = elsewhere.getLock(name);
        Holder there = Holder.hold(other);
        try {
            assertThatThrownBy(lock::lock).isInstanceOf(LeaseLostException.class);
            assertThatThrownBy(lock::lockInterruptibly).isInstanceOf(LeaseLostException.class);
            assertThatThrownBy(lock::tryLock).isInstanceOf(LeaseLostException.class);
            assertThatThrownBy(() -> lock.tryLock(1, TimeUnit.SECONDS)).isInstanceOf(LeaseLostException.class);
            assertThatThrownBy(() -> lock.tryLock(0, TimeUnit.SECONDS)).isInstanceOf(LeaseLostException.class);
            assertThat(lock.getHoldCount()).isEqualTo(1);
            assertThat(lock.isHeldByCurrentThread()).isFalse();
            assertThatThrownBy(lock::unlock).isInstanceOf(LeaseLostException.class);
            assertThat(lock.getHoldCount()).isZero();
            assertThat(lock.tryLock()).as("busy elsewhere").isFalse();
        } finally {
            assertThat(there.release()).isNull();
        }
        // every hold released: the thread acquires normally again, with a greater token
        assertThat(lock.tryLock(10, TimeUnit.SECONDS)).isTrue();
        try {
            assertThat(lock.getFencingToken()).isGreaterThan(fence);
            assertThat(lock.isHeldByCurrentThread()).isTrue();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A term of its own (holdFor, Spring's lock(ttl)) is the hold's lease: kept past the
     * factory's lease time for its whole length (etcd's session lease is shorter than the term
     * here), then over: reported lost, given back on the server, final for the holder.
     */
    @Test
    void aHoldWithATermOfItsOwnKeepsTheLockForTheWholeTermThenLosesIt() throws Exception {
        long lease = shortLeaseMillis();
        DistributedLockFactory f = source(LockOptions.builder().leaseTime(Duration.ofMillis(lease)).build());
        DistributedLock lock = f.getLock(name);
        lock.lock();
        long start = System.nanoTime();
        lock.holdFor(Duration.ofMillis(3 * lease));
        long fence = lock.getFencingToken();
        // the property under test is time: past twice the factory's lease, the term still holds
        await().pollInSameThread().atMost(Duration.ofSeconds(30)).until(() -> millisSince(start) > 2 * lease);
        assertThat(lock.isHeldByCurrentThread()).as("held within its term, past the factory's lease").isTrue();
        assertThat(elsewhereTakesAndReleases(name, 0)).as("another JVM within the term").isFalse();
        await().atMost(Duration.ofSeconds(30)).until(() -> lostLeases.contains(name + "#" + fence));
        assertThat(millisSince(start)).as("over at the term's end, not before").isGreaterThanOrEqualTo(3 * lease - 100);
        assertThat(elsewhereTakesAndReleases(name, 10_000)).as("given back on the server").isTrue();
        assertThatThrownBy(lock::tryLock).isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(lock::unlock).isInstanceOf(LeaseLostException.class);
    }

    /** A term is the holder's alone: a thread of the same JVM that takes the lock next does not inherit it. */
    @Test
    void aTermIsNotHandedToTheNextHolderOfTheJvm() throws Exception {
        long lease = shortLeaseMillis();
        DistributedLock lock = here.getLock(name);
        lock.lock();
        long start = System.nanoTime();
        lock.holdFor(Duration.ofMillis(lease));
        CountDownLatch took = new CountDownLatch(1);
        CountDownLatch check = new CountDownLatch(1);
        AtomicReference<Thread> nextThread = new AtomicReference<>();
        AtomicLong nextFence = new AtomicLong();
        Future<Boolean> next = async(() -> {
            nextThread.set(Thread.currentThread());
            lock.lock();
            try {
                nextFence.set(lock.getFencingToken());
                took.countDown();
                assertThat(check.await(30, TimeUnit.SECONDS)).isTrue();
                return lock.isHeldByCurrentThread();
            } finally {
                lock.unlock();
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> nextThread.get() != null);
        Waiter.awaitParked(nextThread.get());
        lock.unlock();
        assertThat(took.await(20, TimeUnit.SECONDS)).isTrue();
        // past the first holder's term (the property under test is time)
        await().atMost(Duration.ofSeconds(30)).until(() -> millisSince(start) > 2 * lease);
        check.countDown();
        assertThat(next.get(30, TimeUnit.SECONDS)).as("the next holder still holds past the first one's term").isTrue();
        assertThat(lostLeases).as("no loss reported").isEmpty();
        assertThat(nextFence.get()).isPositive();
    }

    @Test
    void aFixedLeaseIsKeptUntilItRunsOut() throws Exception {
        DistributedLockFactory fixed = source(LockOptions.builder().leaseTime(Duration.ofSeconds(3)).watchdog(false).build());
        DistributedLock lock = fixed.getLock(name);
        lock.lock();
        assertThat(async(() -> elsewhere.getLock(name).tryLock()).get(10, TimeUnit.SECONDS)).isFalse();
        lock.unlock();
        assertThat(lostLeases).isEmpty();
    }

    // ---- failures ---------------------------------------------------------------------------

    @Test
    void anUnreachableServerGivesAClearExceptionWithinBoundedTime() throws Exception {
        DistributedLockFactory s = source(LockOptions.builder().retryCount(2).retryDelay(Duration.ofMillis(50)).build());
        // built while the server is up: a Redis Cluster factory learns the slots when it is built
        DistributedLockFactory defaults = source(LockOptions.defaults());
        killServer();
        try {
            long start = System.nanoTime();
            Throwable t = async(() -> {
                try {
                    s.getLock(name).lock();
                    return null;
                } catch (Throwable e) {
                    return e;
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(t).isInstanceOf(LockBackendException.class).hasMessageContaining(name).hasMessageContaining("3 attempt");
            assertThat(millisSince(start)).isLessThan(30_000);
            assertThat(s.getLock(name).getHoldCount()).isZero();
            // tryLock() never waits: one attempt, no retries
            Throwable once = async(() -> {
                try {
                    s.getLock(name).tryLock();
                    return null;
                } catch (Throwable e) {
                    return e;
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(once).isInstanceOf(LockBackendException.class).hasMessageContaining(name).hasMessageContaining("1 attempt");
            // a timed call with the default retries on the absent server: by its deadline
            long timedStart = System.nanoTime();
            Object timed = async(() -> {
                try {
                    return defaults.getLock(name).tryLock(500, TimeUnit.MILLISECONDS);
                } catch (LockBackendException e) {
                    return e;
                }
            }).get(60, TimeUnit.SECONDS);
            long timedMillis = millisSince(timedStart);
            System.out.println(getClass().getSimpleName() + ": tryLock(500 ms) on an absent server returned "
                    + (timed instanceof Throwable ? timed.getClass().getSimpleName() : timed) + " after " + timedMillis + " ms");
            assertThat(timed).isNotEqualTo(Boolean.TRUE);
            assertThat(timedMillis).isLessThan(500 + deadlineSlackMillis());
        } finally {
            restartServer();
        }
        // the factory recovers once the server is back (bounded wait, in this thread)
        DistributedLock lock = s.getLock(name);
        await("acquired after the restart").atMost(Duration.ofSeconds(20)).pollInSameThread()
                .pollInterval(Duration.ofMillis(100)).ignoreException(LockBackendException.class).until(lock::tryLock);
        lock.unlock();
    }

    // ---- fencing tokens per holder ------------------------------------------------------------

    /** Locks and unlocks in many threads of several factories; returns the tokens in hold order. */
    private List<Long> tokensInHoldOrder(LockOptions options, int rounds) throws Exception {
        List<Long> tokens = java.util.Collections.synchronizedList(new ArrayList<>());
        // the holders exclude each other, so this list is in hold order
        int holds = contend(List.of(source(options), source(options), source(options)), new int[] {4, 2, 2}, rounds,
                lock -> tokens.add(lock.getFencingToken()));
        assertThat(tokens).hasSize(holds);
        return tokens;
    }

    @Test
    void consecutiveHoldersNeverShareAFencingTokenWithLocalHandOvers() throws Exception {
        List<Long> tokens = tokensInHoldOrder(LockOptions.defaults(), 25);
        assertThat(tokens).as("tokens in hold order").isSorted().doesNotHaveDuplicates();
        long handedOver = tokens.stream().filter(t -> (t & 1023) != 0).count();
        System.out.println(getClass().getSimpleName() + ": " + tokens.size() + " holds, " + handedOver
                + " by local hand-over, every token greater than the one before");
        if (fair()) {
            assertThat(handedOver).as("a fair lock acquires every hold on the server").isZero();
        } else {
            assertThat(handedOver).as("some holds came by local hand-over").isPositive();
        }
    }

    @Test
    void consecutiveHoldersNeverShareAFencingTokenWithoutLocalHandOvers() throws Exception {
        List<Long> tokens = tokensInHoldOrder(LockOptions.builder().maxLocalHandoffs(0).build(), 15);
        assertThat(tokens).as("tokens in hold order").isSorted().doesNotHaveDuplicates();
        assertThat(tokens).allSatisfy(t -> assertThat(t & 1023).isZero());
    }

    @Test
    void aLocalHandOverRightAfterARenewalGetsAGreaterToken() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(fair(), "fair locks make no local hand-over");
        DistributedLock lock = here.getLock(name);
        lock.lock();
        long first = lock.getFencingToken();
        CountDownLatch asked = new CountDownLatch(1);
        Future<Long> next = async(() -> {
            DistributedLock same = here.getLock(name);
            asked.countDown();
            same.lock();
            try {
                return same.getFencingToken();
            } finally {
                same.unlock();
            }
        });
        assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(lock::hasQueuedThreads);
        lock.renew(Duration.ofSeconds(30));
        lock.unlock();
        long second = next.get(30, TimeUnit.SECONDS);
        assertThat(second).as("the next holder's token").isGreaterThan(first);
        assertThat(second >> 10).as("the same lease, handed over").isEqualTo(first >> 10);
    }

    // ---- faults: frozen servers, lost answers, dead threads ---------------------------------

    @Test
    void aTimedTryLockOnAFrozenServerReturnsByItsDeadline() throws Exception {
        DistributedLockFactory s = source(LockOptions.defaults());
        DistributedLock lock = s.getLock(name);
        pauseServer();
        long took;
        Object outcome;
        try {
            long start = System.nanoTime();
            outcome = async(() -> {
                try {
                    return lock.tryLock(500, TimeUnit.MILLISECONDS);
                } catch (LockBackendException e) {
                    return e;
                }
            }).get(60, TimeUnit.SECONDS);
            took = millisSince(start);
        } finally {
            resumeServer();
        }
        System.out.println(getClass().getSimpleName() + ": tryLock(500 ms) on a frozen server returned "
                + (outcome instanceof Throwable ? outcome.getClass().getSimpleName() : outcome) + " after " + took + " ms");
        assertThat(took).as("returned by its deadline plus the documented slack").isLessThan(500 + deadlineSlackMillis());
        assertThat(outcome).isNotEqualTo(Boolean.TRUE);
        assertThat(lock.getHoldCount()).isZero();
        // whatever the frozen server does with the request once it runs again is cleaned up
        await().atMost(Duration.ofSeconds(20)).until(() -> lockedNamesOnServer().isEmpty());
        assertThat(elsewhereTakesAndReleases(name, 10_000)).isTrue();
    }

    @Test
    void anAcquisitionWhoseAnswerIsLostLeavesNoLockOnTheServer() throws Exception {
        // the server is frozen just after the request left: the caller gives up at its deadline,
        // and the server applies the request when it runs again, with nobody to use the lock
        for (int delayMillis : new int[] {0, 2}) {
            String lost = name + "-" + delayMillis;
            io.distlock.testing.Freeze.aroundTimedTryLock(pool, here.getLock(lost), delayMillis, this::pauseServer,
                    this::resumeServer);
            await().atMost(Duration.ofSeconds(20)).until(() -> lockedNamesOnServer().isEmpty());
            assertThat(elsewhereTakesAndReleases(lost, 0)).as("the lock is free once the frozen server ran again").isTrue();
        }
    }

    /**
     * A thread of {@code s} locks the test's lock and ends without unlocking; returns its fencing
     * token once the loss of its lease has been reported.
     */
    private long dieHolding(DistributedLockFactory s) throws InterruptedException {
        long[] fence = new long[1];
        Thread dies = new Thread(() -> {
            DistributedLock lock = s.getLock(name);
            lock.lock();
            fence[0] = lock.getFencingToken();
            // ends without unlocking
        }, "dies-holding");
        dies.start();
        dies.join(30_000);
        assertThat(dies.isAlive()).isFalse();
        await().atMost(Duration.ofSeconds(20)).until(() -> lostLeases.contains(name + "#" + fence[0]));
        return fence[0];
    }

    @Test
    void aThreadThatDiesHoldingTheLockNoLongerBlocksOtherJvms() throws Exception {
        DistributedLockFactory s = source(LockOptions.builder().leaseTime(Duration.ofMillis(shortLeaseMillis())).build());
        long fence = dieHolding(s);
        long start = System.nanoTime();
        long otherFence = async(() -> {
            DistributedLock other = elsewhere.getLock(name);
            assertThat(other.tryLock(30, TimeUnit.SECONDS)).isTrue();
            try {
                return other.getFencingToken();
            } finally {
                other.unlock();
            }
        }).get(60, TimeUnit.SECONDS);
        System.out.println(getClass().getSimpleName() + ": another JVM got the lock of a dead thread "
                + millisSince(start) + " ms after the loss was reported");
        assertThat(otherFence).isGreaterThan(fence);
        // in its own JVM the dead thread still owns the lock, as it would own a ReentrantLock
        assertThat(async(() -> s.getLock(name).tryLock()).get(10, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void aThreadWaitingBehindADeadHolderOfItsJvmDoesNotBlockOtherJvms() throws Exception {
        DistributedLockFactory s = source(LockOptions.builder().leaseTime(Duration.ofMillis(shortLeaseMillis())).build());
        dieHolding(s);
        // a thread of the same JVM waits: it must not take and keep the server's lock while the
        // dead thread keeps the local one (a fair lock's waiter is granted the lease first)
        CountDownLatch asking = new CountDownLatch(1);
        AtomicReference<Thread> behindThread = new AtomicReference<>();
        Future<Boolean> behind = async(() -> {
            behindThread.set(Thread.currentThread());
            asking.countDown();
            s.getLock(name).lockInterruptibly();
            return true;
        });
        assertThat(asking.await(10, TimeUnit.SECONDS)).isTrue();
        // it waits (a wrong waiter would have taken the server's lock on its way; fair: after its turn)
        Waiter.awaitParked(behindThread.get());
        boolean got = async(() -> {
            DistributedLock other = elsewhere.getLock(name);
            boolean ok = other.tryLock(30, TimeUnit.SECONDS);
            if (ok) {
                other.unlock();
            }
            return ok;
        }).get(60, TimeUnit.SECONDS);
        assertThat(got).as("another JVM gets the lock").isTrue();
        assertThat(behind).as("the thread behind the dead one still waits, as on a ReentrantLock").isNotDone();
    }

    @Test
    void aFairTryLockOfZeroNeverQueues() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(fair(), "for fair locks");
        try (Holder holder = Holder.hold(elsewhere.getLock(name))) {
            List<String> before = lockedNamesOnServer();
            for (int i = 0; i < 5; i++) {
                assertThat(async(() -> here.getLock(name).tryLock(0, TimeUnit.SECONDS)).get(10, TimeUnit.SECONDS))
                        .isFalse();
                assertThat(lockedNamesOnServer()).as("nothing queued by tryLock(0)")
                        .containsExactlyInAnyOrderElementsOf(before);
            }
            assertThat(holder.release()).isNull();
        }
        DistributedLock lock = here.getLock(name);
        assertThat(lock.tryLock(0, TimeUnit.SECONDS)).as("a free lock with nobody queued").isTrue();
        lock.unlock();
    }

    /**
     * Leaves at the tail of the server's queue of fair lock {@code lockName} what a waiter of
     * another JVM leaves there while it waits, and returns what takes it away again. With the lock
     * free and nobody before it, it is a waiter whose turn has come and who has not taken it (its
     * JVM is slow to hear the release, or stalled): the state in which a {@code ReentrantLock}'s
     * {@code tryLock()} overtakes a queued thread that has not yet woken. {@code null} where the
     * back end has no such state: a non-fair lock's waiters keep no place on the server, and a
     * server that hands the lock to the head of its queue at the release has no free lock with
     * waiters queued.
     */
    protected AutoCloseable queueAStalledWaiter(String lockName) {
        return null;
    }

    /** Whether {@code factory}'s lock {@code lockName} is taken by tryLock() (tryLock(0, unit) if {@code zero}) and given back. */
    private boolean takesAndReleases(DistributedLockFactory factory, String lockName, boolean zero) throws Exception {
        return async(() -> {
            DistributedLock l = factory.getLock(lockName);
            boolean got = zero ? l.tryLock(0, TimeUnit.SECONDS) : l.tryLock();
            if (got) {
                l.unlock();
            }
            return got;
        }).get(60, TimeUnit.SECONDS);
    }

    /**
     * As {@code ReentrantLock}'s, fair or not, {@code tryLock()} takes a free lock even while
     * threads are queued for it; a fair lock's {@code tryLock(0, unit)} does not. The JDK lock
     * shows it between an unlock and the queued thread's wake-up; the distributed lock in the
     * same state set up on the server: another JVM's waiter first in the queue, whose turn has
     * come, and a waiter of this JVM behind it.
     */
    @Test
    void tryLockTakesAFreeLockPastQueuedWaitersAsReentrantLockDoes() throws Exception {
        java.util.concurrent.locks.ReentrantLock jdk = new java.util.concurrent.locks.ReentrantLock(fair());
        boolean jdkTryLock = JdkLockSurface.takesAFreeLockPastAQueuedThread(jdk, jdk::hasQueuedThread, jdk, false);
        boolean jdkTryLockZero = JdkLockSurface.takesAFreeLockPastAQueuedThread(jdk, jdk::hasQueuedThread, jdk, true);
        assertThat(jdkTryLock).as("ReentrantLock(%s).tryLock() past a queued thread", fair()).isTrue();
        assertThat(jdkTryLockZero).as("ReentrantLock(%s).tryLock(0, unit) past a queued thread", fair()).isEqualTo(!fair());

        AutoCloseable stalled = queueAStalledWaiter(name);
        org.junit.jupiter.api.Assumptions.assumeTrue(stalled != null,
                "no waiter keeps a place on this back end's server while the lock is free");
        AtomicReference<Thread> waiting = new AtomicReference<>();
        Future<Boolean> waiter;
        try {
            waiter = async(() -> {
                waiting.set(Thread.currentThread());
                DistributedLock l = here.getLock(name);
                l.lock();
                l.unlock();
                return true;
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> waiting.get() != null
                    && reentrant(here, name).getQueuedThreads().contains(waiting.get()));
            Waiter.awaitParked(waiting.get());
            assertThat(takesAndReleases(here, name, false)).as("tryLock() in the waiter's JVM").isEqualTo(jdkTryLock);
            assertThat(takesAndReleases(elsewhere, name, false)).as("tryLock() in another JVM").isEqualTo(jdkTryLock);
            assertThat(takesAndReleases(here, name, true)).as("tryLock(0, unit) in the waiter's JVM")
                    .isEqualTo(jdkTryLockZero);
            assertThat(takesAndReleases(elsewhere, name, true)).as("tryLock(0, unit) in another JVM")
                    .isEqualTo(jdkTryLockZero);
            assertThat(waiter.isDone()).as("the waiter still waits for its turn").isFalse();
        } finally {
            stalled.close();
        }
        assertThat(waiter.get(30, TimeUnit.SECONDS)).as("the waiter's turn, once the stalled one is gone").isTrue();
    }

    @Test
    void autoRenewRefusesIntervalsBelowItsFloor() {
        DistributedLock lock = here.getLock(name);
        lock.lock();
        try {
            assertThatThrownBy(() -> lock.autoRenew(Duration.ofNanos(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("interval must be at least PT0.01S and shorter than the lease time PT30S, was PT0.000000001S");
            assertThatThrownBy(() -> lock.autoRenew(Duration.ofSeconds(30)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shorter than the lease time");
            try (AutoRenewal renewal = lock.autoRenew(LockOptions.MIN_RENEW_INTERVAL)) {
                assertThat(renewal.isActive()).isTrue();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- names and tryLock's promises ---------------------------------------------------------

    @Test
    void namesThatArePrefixesOfEachOtherNeverBlockEachOther() throws Exception {
        List<String> names = List.of(name, name + "/42", name + "/", name + "/4", "rw", "rw/" + name.length() + ":" + name,
                "x/" + name.length() + ":" + name, "q/" + name.length() + ":" + name, name + "{x}");
        for (String held : names) {
            try (Holder holder = Holder.hold(elsewhere.getLock(held))) {
                for (String other : names) {
                    if (other.equals(held)) {
                        continue;
                    }
                    DistributedLock lock = here.getLock(other);
                    assertThat(lock.isLocked()).as("'%s' while '%s' is held", other, held).isFalse();
                    assertThat(async(() -> {
                        boolean got = lock.tryLock();
                        if (got) {
                            lock.unlock();
                        }
                        return got;
                    }).get(10, TimeUnit.SECONDS)).as("tryLock of '%s' while '%s' is held", other, held).isTrue();
                }
                assertThat(holder.release()).isNull();
            }
        }
        // a name that is no valid Unicode is refused (two such names could map to one key)
        assertThatThrownBy(() -> here.getLock("a\uD800b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate U+D800 at index 1");
    }

    @Test
    void tryLockWithTheInterruptStatusSetTakesAFreeLockAndKeepsTheStatus() throws Exception {
        String outcome = async(() -> {
            DistributedLock lock = here.getLock(name);
            Thread.currentThread().interrupt();
            boolean got = lock.tryLock();
            boolean status = Thread.interrupted();
            if (got) {
                lock.unlock();
            }
            return got + ", status " + status;
        }).get(30, TimeUnit.SECONDS);
        assertThat(outcome).isEqualTo("true, status true");
        try (Holder holder = Holder.hold(elsewhere.getLock(name))) {
            String busy = async(() -> {
                DistributedLock lock = here.getLock(name);
                Thread.currentThread().interrupt();
                boolean got = lock.tryLock();
                return got + ", status " + Thread.interrupted();
            }).get(30, TimeUnit.SECONDS);
            assertThat(busy).isEqualTo("false, status true");
            assertThat(holder.release()).isNull();
        }
    }

    @Test
    void tryLockNeverWaitsForAHolderWhileOthersComeAndGo() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Future<Integer> holder = async(() -> {
            DistributedLock lock = elsewhere.getLock(name);
            int holds = 0;
            for (int i = 0; i < 12 && !stop.get(); i++) {
                lock.lock();
                try {
                    holds++;
                    Thread.sleep(400);
                } finally {
                    lock.unlock();
                }
            }
            return holds;
        });
        long longest = 0;
        int attempts = 0;
        DistributedLock lock = here.getLock(name);
        while (!holder.isDone() && attempts < 100_000) {
            long start = System.nanoTime();
            boolean got = lock.tryLock();
            longest = Math.max(longest, millisSince(start));
            attempts++;
            if (got) {
                lock.unlock();
                Thread.sleep(5);
            }
        }
        stop.set(true);
        assertThat(holder.get(60, TimeUnit.SECONDS)).isPositive();
        System.out.println(getClass().getSimpleName() + ": " + attempts + " tryLock() calls while another JVM came "
                + "and went, the longest took " + longest + " ms");
        assertThat(longest).as("no tryLock() waited for the holder's 400 ms").isLessThan(300);
    }

    // ---- the bad-input and misuse matrix ------------------------------------------------------

    /** One case of the matrix: what is done, and the exact exception expected. */
    private DynamicTest refused(String what, org.assertj.core.api.ThrowableAssert.ThrowingCallable call,
                                Class<? extends Throwable> type, String message) {
        return DynamicTest.dynamicTest(what, () -> assertThatThrownBy(call).isExactlyInstanceOf(type).hasMessage(message));
    }

    /** As {@link #refused}, for a call made while the calling thread holds the test's lock. */
    private DynamicTest refusedWhileHolding(String what, java.util.function.Consumer<DistributedLock> call,
                                            Class<? extends Throwable> type, String message) {
        return DynamicTest.dynamicTest(what, () -> {
            DistributedLock lock = here.getLock(name);
            lock.lock();
            try {
                assertThatThrownBy(() -> call.accept(lock)).isExactlyInstanceOf(type).hasMessage(message);
                assertThat(lock.getHoldCount()).as("the hold is untouched").isEqualTo(1);
            } finally {
                lock.unlock();
            }
        });
    }

    @TestFactory
    List<DynamicTest> badInputAndMisuseAreRefusedWithAnExactMessageAndLeaveNothing() {
        String notHeld = "current thread does not hold lock '" + name + "'";
        String leaseRange = "leaseTime must be between PT0.1S and PT168H, was ";
        List<DynamicTest> cases = new ArrayList<>(List.of(
                refused("getLock(null)", () -> here.getLock(null), NullPointerException.class, "name"),
                refused("getLock(\"\")", () -> here.getLock(""), IllegalArgumentException.class, "name must not be empty"),
                refused("getLock(4097 characters)", () -> here.getLock("x".repeat(4097)), IllegalArgumentException.class,
                        "name must be at most 4096 characters, was 4097"),
                refused("getLock(1 MB name)", () -> here.getLock("x".repeat(1 << 20)), IllegalArgumentException.class,
                        "name must be at most 4096 characters, was 1048576"),
                refused("getLock(an unpaired surrogate)", () -> here.getLock("\uDC00x"), IllegalArgumentException.class,
                        "name must be valid Unicode: unpaired surrogate U+DC00 at index 0"),
                refused("getReadWriteLock(null)", () -> here.getReadWriteLock(null), NullPointerException.class, "name"),
                refused("getReadWriteLock(\"\")", () -> here.getReadWriteLock(""), IllegalArgumentException.class,
                        "name must not be empty"),
                refused("tryLock(1, null)", () -> here.getLock(name).tryLock(1, null), NullPointerException.class, "unit"),
                refused("unlock() by a non-holder", () -> here.getLock(name).unlock(), IllegalMonitorStateException.class,
                        notHeld),
                refused("getFencingToken() by a non-holder", () -> here.getLock(name).getFencingToken(),
                        IllegalMonitorStateException.class, notHeld),
                refused("renew() by a non-holder", () -> here.getLock(name).renew(Duration.ofSeconds(1)),
                        IllegalMonitorStateException.class, notHeld),
                refused("autoRenew() by a non-holder", () -> here.getLock(name).autoRenew(Duration.ofSeconds(1)),
                        IllegalMonitorStateException.class, notHeld),
                refusedWhileHolding("renew(null)", l -> l.renew(null), NullPointerException.class, "leaseTime"),
                refusedWhileHolding("renew(-1 ms)", l -> l.renew(Duration.ofMillis(-1)), IllegalArgumentException.class,
                        leaseRange + "PT-0.001S"),
                refusedWhileHolding("renew(0)", l -> l.renew(Duration.ZERO), IllegalArgumentException.class,
                        leaseRange + "PT0S"),
                refusedWhileHolding("renew(8 days)", l -> l.renew(Duration.ofDays(8)), IllegalArgumentException.class,
                        leaseRange + "PT192H"),
                refusedWhileHolding("autoRenew(null)", l -> l.autoRenew(null), NullPointerException.class, "interval"),
                refusedWhileHolding("autoRenew(-1 s)", l -> l.autoRenew(Duration.ofSeconds(-1)),
                        IllegalArgumentException.class,
                        "interval must be at least PT0.01S and shorter than the lease time PT30S, was PT-1S"),
                refusedWhileHolding("autoRenew(365 days)", l -> l.autoRenew(Duration.ofDays(365)),
                        IllegalArgumentException.class,
                        "interval must be at least PT0.01S and shorter than the lease time PT30S, was PT8760H"),
                refused("LockOptions.leaseTime(null)", () -> LockOptions.builder().leaseTime(null),
                        NullPointerException.class, "leaseTime"),
                refused("LockOptions.leaseTime(10 ms)", () -> LockOptions.builder().leaseTime(Duration.ofMillis(10)),
                        IllegalArgumentException.class, leaseRange + "PT0.01S"),
                refused("LockOptions.leaseTime(8 days)", () -> LockOptions.builder().leaseTime(Duration.ofDays(8)),
                        IllegalArgumentException.class, leaseRange + "PT192H"),
                refused("LockOptions.retryCount(-1)", () -> LockOptions.builder().retryCount(-1),
                        IllegalArgumentException.class, "retryCount must be between 0 and 1000, was -1"),
                refused("LockOptions.retryCount(1001)", () -> LockOptions.builder().retryCount(1001),
                        IllegalArgumentException.class, "retryCount must be between 0 and 1000, was 1001"),
                refused("LockOptions.retryDelay(-1 ms)", () -> LockOptions.builder().retryDelay(Duration.ofMillis(-1)),
                        IllegalArgumentException.class, "retryDelay must be between 0 and PT10M, was PT-0.001S"),
                refused("LockOptions.retryDelay(1 h)", () -> LockOptions.builder().retryDelay(Duration.ofHours(1)),
                        IllegalArgumentException.class, "retryDelay must be between 0 and PT10M, was PT1H"),
                refused("LockOptions.maxLocalHandoffs(1024)", () -> LockOptions.builder().maxLocalHandoffs(1024),
                        IllegalArgumentException.class, "maxLocalHandoffs must be between 0 and 1023, was 1024"),
                refused("LockOptions.retryBackoff(NaN)", () -> LockOptions.builder().retryBackoff(Double.NaN),
                        IllegalArgumentException.class, "retryBackoff must be between 1 and 10, was NaN"),
                refused("LockOptions.retryJitter(-0.1)", () -> LockOptions.builder().retryJitter(-0.1),
                        IllegalArgumentException.class, "retryJitter must be between 0 and 1, was -0.1"),
                refused("LockOptions.maxRetryDelay(null)", () -> LockOptions.builder().maxRetryDelay(null),
                        NullPointerException.class, "maxRetryDelay"),
                DynamicTest.dynamicTest("unlock() twice", () -> {
                    DistributedLock lock = here.getLock(name);
                    lock.lock();
                    lock.unlock();
                    assertThatThrownBy(lock::unlock).isExactlyInstanceOf(IllegalMonitorStateException.class)
                            .hasMessage(notHeld);
                }),
                DynamicTest.dynamicTest("unlock() after the lease was lost", () -> {
                    DistributedLockFactory fixed = source(LockOptions.builder().leaseTime(Duration.ofMillis(300))
                            .watchdog(false).build());
                    // a name of its own: the server may keep the key a little longer than the local
                    // estimate (etcd rounds a lease up to its minimum TTL) and the clean-up runs in the
                    // background, so the cases after this one must not depend on when it ends
                    String lost = name + "-lost";
                    DistributedLock lock = fixed.getLock(lost);
                    lock.lock();
                    long fence = lock.getFencingToken();
                    await().atMost(Duration.ofSeconds(10)).until(() -> lostLeases.contains(lost + "#" + fence));
                    assertThat(lock.isHeldByCurrentThread()).isFalse();
                    assertThatThrownBy(lock::unlock).isExactlyInstanceOf(LeaseLostException.class)
                            .hasMessage("lease of lock '" + lost + "' (fencing token " + fence
                                    + ") was lost while it was held; another owner may have held it since");
                    assertThat(lock.getHoldCount()).isZero();
                    await().atMost(Duration.ofSeconds(20)).until(() -> elsewhereTakesAndReleases(lost, 0));
                }),
                DynamicTest.dynamicTest("tryLock with a negative and an enormous timeout on a free lock", () -> {
                    DistributedLock lock = here.getLock(name);
                    assertThat(lock.tryLock(-5, TimeUnit.SECONDS)).isTrue();
                    lock.unlock();
                    assertThat(lock.tryLock(Long.MAX_VALUE, TimeUnit.NANOSECONDS)).isTrue();
                    lock.unlock();
                }),
                DynamicTest.dynamicTest("names with braces, slashes, spaces and non-ASCII letters", () -> {
                    for (String odd : List.of(name + "{}", name + "/a/b/", name + " with spaces", name + "-über-ключ-鍵",
                            name + "\uD83D\uDD12", name + "\\(")) {
                        DistributedLock lock = here.getLock(odd);
                        lock.lock();
                        assertThat(elsewhereTakesAndReleases(odd, 0)).as(odd).isFalse();
                        lock.unlock();
                        assertThat(elsewhereTakesAndReleases(odd, 0)).as(odd).isTrue();
                    }
                }),
                DynamicTest.dynamicTest("an interrupt before lockInterruptibly(), during lock(), after tryLock()", () -> {
                    DistributedLock lock = here.getLock(name);
                    Thread.currentThread().interrupt();
                    assertThatThrownBy(lock::lockInterruptibly).isExactlyInstanceOf(InterruptedException.class);
                    Thread.currentThread().interrupt();
                    lock.lock();
                    assertThat(Thread.interrupted()).as("lock() keeps the status").isTrue();
                    lock.unlock();
                    assertThat(lock.tryLock()).isTrue();
                    Thread.currentThread().interrupt();
                    lock.unlock();
                    assertThat(Thread.interrupted()).as("unlock() keeps the status").isTrue();
                })));
        DistributedLockFactory closed = source(LockOptions.defaults());
        DistributedLock closedLock = closed.getLock(name);
        closed.close();
        String closedMessage = closed instanceof io.distlock.redis.RedisLockFactory
                ? "RedisLockFactory is closed" : "EtcdLockFactory is closed";
        cases.addAll(List.of(
                refused("lock() after close", closedLock::lock, IllegalStateException.class, closedMessage),
                refused("lockInterruptibly() after close", closedLock::lockInterruptibly, IllegalStateException.class,
                        closedMessage),
                refused("tryLock() after close", closedLock::tryLock, IllegalStateException.class, closedMessage),
                refused("tryLock(1 s) after close", () -> closedLock.tryLock(1, TimeUnit.SECONDS),
                        IllegalStateException.class, closedMessage),
                refused("isLocked() after close", closedLock::isLocked, IllegalStateException.class, closedMessage),
                refused("info() after close", closedLock::info, IllegalStateException.class, closedMessage),
                refused("getLock() after close", () -> closed.getLock(name), IllegalStateException.class, closedMessage),
                refused("getReadWriteLock() after close", () -> closed.getReadWriteLock(name), IllegalStateException.class,
                        closedMessage),
                DynamicTest.dynamicTest("close() twice", closed::close),
                DynamicTest.dynamicTest("nothing left on the server by any case", () ->
                        await().atMost(Duration.ofSeconds(10)).until(() -> lockedNamesOnServer().isEmpty()))));
        return cases;
    }

    // ---- conditions ----------------------------------------------------------------------------

    /** Starts a thread of {@code factory} ("a JVM") that holds the lock and awaits its condition. */
    private Future<Boolean> awaiting(DistributedLockFactory factory, String conditionName, long millis,
                                     CountDownLatch queued) {
        return async(() -> {
            DistributedLock lock = factory.getLock(name);
            java.util.concurrent.locks.Condition c = lock.newCondition(conditionName);
            lock.lock();
            try {
                queued.countDown();
                boolean signalled = c.await(millis, TimeUnit.MILLISECONDS);
                assertThat(lock.isHeldByCurrentThread()).as("re-acquired before returning").isTrue();
                return signalled;
            } finally {
                lock.unlock();
            }
        });
    }

    /** Waits until {@code count} waiters are queued on the server for the condition. */
    private void awaitWaiters(DistributedLockFactory factory, String conditionName, int count) {
        DistributedLock lock = factory.getLock(name);
        java.util.concurrent.locks.Condition c = lock.newCondition(conditionName);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            lock.lock();
            try {
                return reentrant(factory, name).getWaitQueueLength(c) == count;
            } finally {
                lock.unlock();
            }
        });
    }

    @Test
    void awaitGivesTheLockToAnotherJvmAndReacquiresWithTheSavedHoldCount() throws Exception {
        DistributedLock lock = here.getLock(name);
        java.util.concurrent.locks.Condition ready = lock.newCondition("ready");
        CountDownLatch queued = new CountDownLatch(1);
        Future<long[]> waiter = async(() -> {
            lock.lock();
            lock.lock();
            try {
                long before = lock.getFencingToken();
                queued.countDown();
                boolean signalled = ready.await(30, TimeUnit.SECONDS);
                return new long[] {signalled ? 1 : 0, lock.getHoldCount(), before, lock.getFencingToken()};
            } finally {
                lock.unlock();
                lock.unlock();
            }
        });
        assertThat(queued.await(20, TimeUnit.SECONDS)).isTrue();
        awaitWaiters(elsewhere, "ready", 1);
        // another JVM takes the lock the waiter gave back, and signals
        DistributedLock there = elsewhere.getLock(name);
        there.lock();
        try {
            there.newCondition("ready").signal();
        } finally {
            there.unlock();
        }
        long[] r = waiter.get(30, TimeUnit.SECONDS);
        assertThat(r[0]).as("signalled").isEqualTo(1);
        assertThat(r[1]).as("hold count restored").isEqualTo(2);
        assertThat(r[3]).as("a new acquisition, a greater token").isGreaterThan(r[2]);
    }

    @Test
    void awaitAndSignalWithoutHoldingTheLockThrowIllegalMonitorState() throws Exception {
        DistributedLock lock = here.getLock(name);
        java.util.concurrent.locks.Condition c = lock.newCondition();
        String notHeld = "current thread does not hold lock '" + name + "'";
        assertThatThrownBy(c::await).isExactlyInstanceOf(IllegalMonitorStateException.class).hasMessage(notHeld);
        assertThatThrownBy(() -> c.await(1, TimeUnit.SECONDS)).isExactlyInstanceOf(IllegalMonitorStateException.class);
        assertThatThrownBy(c::awaitUninterruptibly).isExactlyInstanceOf(IllegalMonitorStateException.class);
        assertThatThrownBy(c::signal).isExactlyInstanceOf(IllegalMonitorStateException.class).hasMessage(notHeld);
        assertThatThrownBy(c::signalAll).isExactlyInstanceOf(IllegalMonitorStateException.class);
        assertThatThrownBy(() -> reentrant(here, name).hasWaiters(c))
                .isExactlyInstanceOf(IllegalMonitorStateException.class);
        assertThatThrownBy(() -> lock.newCondition(null)).isExactlyInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> lock.newCondition("")).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThat(elsewhereTakesAndReleases(name, 0)).as("nothing held").isTrue();
    }

    @Test
    void signalWakesOneWaiterAndSignalAllTheRestInAnyJvm() throws Exception {
        DistributedLockFactory third = source(LockOptions.defaults());
        CountDownLatch queued = new CountDownLatch(3);
        List<Future<Boolean>> waiters = List.of(awaiting(here, "c", 30_000, queued),
                awaiting(elsewhere, "c", 30_000, queued), awaiting(third, "c", 30_000, queued));
        assertThat(queued.await(20, TimeUnit.SECONDS)).isTrue();
        DistributedLockFactory signaller = source(LockOptions.defaults());
        awaitWaiters(signaller, "c", 3);
        DistributedLock lock = signaller.getLock(name);
        java.util.concurrent.locks.Condition c = lock.newCondition("c");
        lock.lock();
        try {
            c.signal();
        } finally {
            lock.unlock();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> waiters.stream().filter(Future::isDone).count() == 1);
        awaitWaiters(signaller, "c", 2);
        assertThat(waiters.stream().filter(Future::isDone).count()).as("exactly one woken").isEqualTo(1);
        lock.lock();
        try {
            c.signalAll();
        } finally {
            lock.unlock();
        }
        for (Future<Boolean> w : waiters) {
            assertThat(w.get(30, TimeUnit.SECONDS)).as("signalled, not timed out").isTrue();
        }
        awaitWaiters(signaller, "c", 0);
    }

    @Test
    void timedAwaitsReturnTheirTimeoutResultHoldingTheLock() throws Exception {
        DistributedLock lock = here.getLock(name);
        java.util.concurrent.locks.Condition c = lock.newCondition();
        lock.lock();
        try {
            long start = System.nanoTime();
            assertThat(c.await(300, TimeUnit.MILLISECONDS)).isFalse();
            assertThat(millisSince(start)).isGreaterThanOrEqualTo(300);
            assertThat(lock.isHeldByCurrentThread()).isTrue();
            assertThat(c.awaitNanos(TimeUnit.MILLISECONDS.toNanos(200))).isLessThanOrEqualTo(0);
            assertThat(c.awaitUntil(new java.util.Date(System.currentTimeMillis() + 200))).isFalse();
            assertThat(c.await(0, TimeUnit.SECONDS)).as("no time: no wait").isFalse();
            assertThat(lock.getHoldCount()).isEqualTo(1);
            assertThat(elsewhereTakesAndReleases(name, 0)).as("held again").isFalse();
            assertThat(reentrant(here, name).hasWaiters(c)).as("no record left").isFalse();
        } finally {
            lock.unlock();
        }
    }

    @Test
    void withoutASignalNoWaitEndsAsSignalled() throws Exception {
        // the spurious wake-up rate where nothing disturbs the waiters: none in 3 x 4 waits
        DistributedLock lock = here.getLock(name);
        java.util.concurrent.locks.Condition c = lock.newCondition("quiet");
        List<Future<Integer>> waiters = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            waiters.add(async(() -> {
                int spurious = 0;
                for (int i = 0; i < 4; i++) {
                    lock.lock();
                    try {
                        if (c.await(250, TimeUnit.MILLISECONDS)) {
                            spurious++;
                        }
                    } finally {
                        lock.unlock();
                    }
                }
                return spurious;
            }));
        }
        int spurious = 0;
        for (Future<Integer> w : waiters) {
            spurious += w.get(60, TimeUnit.SECONDS);
        }
        assertThat(spurious).as("waits that ended as signalled with no signal").isZero();
    }

    @Test
    void anInterruptedAwaitReacquiresBeforeThrowingAndUninterruptibleKeepsTheStatus() throws Exception {
        DistributedLock lock = here.getLock(name);
        java.util.concurrent.locks.Condition c = lock.newCondition();
        CountDownLatch queued = new CountDownLatch(1);
        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        Future<Boolean> interruptible = async(() -> {
            waiterThread.set(Thread.currentThread());
            lock.lock();
            try {
                queued.countDown();
                c.await();
                return false;
            } catch (InterruptedException e) {
                return lock.isHeldByCurrentThread() && lock.getHoldCount() == 1;
            } finally {
                lock.unlock();
            }
        });
        assertThat(queued.await(20, TimeUnit.SECONDS)).isTrue();
        awaitWaiters(elsewhere, reentrantConditionName(), 1);
        waiterThread.get().interrupt();
        assertThat(interruptible.get(30, TimeUnit.SECONDS)).as("held when InterruptedException was thrown").isTrue();
        awaitWaiters(elsewhere, reentrantConditionName(), 0);

        CountDownLatch queued2 = new CountDownLatch(1);
        Future<Boolean> uninterruptible = async(() -> {
            waiterThread.set(Thread.currentThread());
            lock.lock();
            try {
                queued2.countDown();
                c.awaitUninterruptibly();
                return Thread.interrupted() && lock.isHeldByCurrentThread();
            } finally {
                lock.unlock();
            }
        });
        assertThat(queued2.await(20, TimeUnit.SECONDS)).isTrue();
        awaitWaiters(elsewhere, reentrantConditionName(), 1);
        Waiter.interruptAndAwaitWaitingAgain(waiterThread.get());
        assertThat(uninterruptible.isDone()).as("an interrupt does not end awaitUninterruptibly").isFalse();
        DistributedLock there = elsewhere.getLock(name);
        there.lock();
        try {
            there.newCondition(reentrantConditionName()).signal();
        } finally {
            there.unlock();
        }
        assertThat(uninterruptible.get(30, TimeUnit.SECONDS)).as("returned with the interrupt status set").isTrue();
    }

    /** The name of the first condition made by newCondition() on a lock object. */
    private static String reentrantConditionName() {
        return "#0";
    }

    @Test
    void conditionsMadeInTheSameOrderAreTheSameInEveryJvm() throws Exception {
        DistributedLock lock = here.getLock(name);
        java.util.concurrent.locks.Condition notFull = lock.newCondition();
        java.util.concurrent.locks.Condition notEmpty = lock.newCondition();
        CountDownLatch queued = new CountDownLatch(2);
        Future<String> onNotFull = async(() -> {
            lock.lock();
            try {
                queued.countDown();
                return notFull.await(30, TimeUnit.SECONDS) ? "notFull" : "timeout";
            } finally {
                lock.unlock();
            }
        });
        Future<String> onNotEmpty = async(() -> {
            lock.lock();
            try {
                queued.countDown();
                return notEmpty.await(30, TimeUnit.SECONDS) ? "notEmpty" : "timeout";
            } finally {
                lock.unlock();
            }
        });
        assertThat(queued.await(20, TimeUnit.SECONDS)).isTrue();
        awaitWaiters(elsewhere, "#0", 1);
        awaitWaiters(elsewhere, "#1", 1);
        // another JVM running the same code makes its conditions in the same order
        DistributedLock there = elsewhere.getLock(name);
        java.util.concurrent.locks.Condition thereNotFull = there.newCondition();
        there.lock();
        try {
            thereNotFull.signalAll();
        } finally {
            there.unlock();
        }
        assertThat(onNotFull.get(30, TimeUnit.SECONDS)).isEqualTo("notFull");
        // the other condition was not signalled: its waiter is still queued on the server (a
        // signal takes a waiter off the queue in the step that wakes it) and still waits
        awaitWaiters(elsewhere, "#1", 1);
        assertThat(onNotEmpty.isDone()).as("the other condition was not signalled").isFalse();
        there.lock();
        try {
            there.newCondition("#1").signal();
        } finally {
            there.unlock();
        }
        assertThat(onNotEmpty.get(30, TimeUnit.SECONDS)).as("woken by its own condition's signal").isEqualTo("notEmpty");
    }

    @Test
    void aSignalFromAHolderWhoseLeaseWasLostWakesNobody() throws Exception {
        CountDownLatch queued = new CountDownLatch(1);
        Future<Boolean> waiter = awaiting(elsewhere, "c", 30_000, queued);
        assertThat(queued.await(20, TimeUnit.SECONDS)).isTrue();
        awaitWaiters(here, "c", 1);
        DistributedLockFactory fixed = source(LockOptions.builder().leaseTime(Duration.ofMillis(shortLeaseMillis()))
                .watchdog(false).build());
        DistributedLock stale = fixed.getLock(name);
        java.util.concurrent.locks.Condition c = stale.newCondition("c");
        stale.lock();
        long fence = stale.getFencingToken();
        await().atMost(Duration.ofSeconds(20)).until(() -> lostLeases.contains(name + "#" + fence));
        // meanwhile another JVM held the lock and gave it back
        assertThat(elsewhereTakesAndReleases(name, 10_000)).isTrue();
        assertThatThrownBy(c::signal).isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(stale::unlock).isInstanceOf(LeaseLostException.class);
        // the stale signal woke nobody: the waiter is still queued on the server (a signal takes
        // it off the queue in the step that wakes it) and still waits, until a holder signals
        awaitWaiters(here, "c", 1);
        assertThat(waiter.isDone()).as("the stale signal woke nobody").isFalse();
        DistributedLock holder = here.getLock(name);
        holder.lock();
        try {
            holder.newCondition("c").signal();
        } finally {
            holder.unlock();
        }
        assertThat(waiter.get(30, TimeUnit.SECONDS)).as("woken by the holder's signal, not before").isTrue();
    }

    @Test
    void timeoutsRacingSignalsLoseNoSignalAndLeaveNoRecord() throws Exception {
        DistributedLock lock = here.getLock(name);
        java.util.concurrent.locks.Condition c = lock.newCondition("race");
        DistributedLock there = elsewhere.getLock(name);
        java.util.concurrent.locks.Condition thereC = there.newCondition("race");
        java.util.Random random = new java.util.Random(7);
        int signalledWaits = 0;
        for (int i = 0; i < 20; i++) {
            long timeout = 20 + random.nextInt(60);
            CountDownLatch queued = new CountDownLatch(1);
            Future<Boolean> waiter = async(() -> {
                lock.lock();
                try {
                    queued.countDown();
                    return c.await(timeout, TimeUnit.MILLISECONDS);
                } finally {
                    lock.unlock();
                }
            });
            assertThat(queued.await(20, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(random.nextInt(80));
            there.lock();
            try {
                thereC.signal();
            } finally {
                there.unlock();
            }
            if (waiter.get(30, TimeUnit.SECONDS)) {
                signalledWaits++;
            }
        }
        there.lock();
        try {
            assertThat(reentrant(elsewhere, name).getWaitQueueLength(thereC)).as("no waiter record left").isZero();
        } finally {
            there.unlock();
        }
        System.out.println(getClass().getSimpleName() + ": " + signalledWaits + " of 20 racing waits were signalled");
    }

    @Test
    void closingTheFactoryWakesItsWaitersWithIllegalState() throws Exception {
        DistributedLockFactory closing = source(LockOptions.defaults());
        DistributedLock lock = closing.getLock(name);
        java.util.concurrent.locks.Condition c = lock.newCondition();
        CountDownLatch queued = new CountDownLatch(1);
        Future<Throwable> waiter = async(() -> {
            lock.lock();
            queued.countDown();
            try {
                c.await();
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        assertThat(queued.await(20, TimeUnit.SECONDS)).isTrue();
        awaitWaiters(elsewhere, "#0", 1);
        closing.close();
        assertThat(waiter.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
        awaitWaiters(elsewhere, "#0", 0);
    }

    // ---- a ReentrantLock, for code that declares one ------------------------------------------

    /** The lock of a back end's factory, as the ReentrantLock it is. */
    static DistributedReentrantLock reentrant(DistributedLockFactory factory, String lockName) {
        return (DistributedReentrantLock) factory.getLock(lockName);
    }

    @Test
    void everyOverridableMethodOfReentrantLockIsOverridden() {
        Class<?> type = reentrant(here, name).getClass();
        assertThat(JdkLockSurface.notOverridden(type, java.util.concurrent.locks.ReentrantLock.class))
                .as("methods of ReentrantLock that %s leaves with their local meaning", type.getSimpleName())
                .isEmpty();
        // the final ones read the superclass's synchronizer: the queue tests below cover each
        assertThat(JdkLockSurface.finalMethods(java.util.concurrent.locks.ReentrantLock.class))
                .containsExactly("getQueueLength", "hasQueuedThread", "hasQueuedThreads", "isFair");
    }

    @Test
    void theFinalQueueMethodsAnswerAsAReentrantLockDoesForTheLocalQueue() throws Exception {
        // a fair lock's waiters wait in the server's queue, which ReentrantLock's final methods do
        // not see (documented on DistributedReentrantLock)
        org.junit.jupiter.api.Assumptions.assumeFalse(fair(), "fair waiters queue on the server");
        java.util.concurrent.locks.ReentrantLock distributed = reentrant(here, name);
        List<String> expected = JdkLockSurface.queueScenario(new java.util.concurrent.locks.ReentrantLock(), 3);
        assertThat(JdkLockSurface.queueScenario(distributed, 3)).isEqualTo(expected);
        assertThat(expected).contains("held: queued=true length=3", "fair=false");
    }

    @Test
    void toStringTellsTheStateInReentrantLocksWordsBesideTheName() throws Exception {
        List<String> jdk = JdkLockSurface.toStringScenario(new java.util.concurrent.locks.ReentrantLock(fair()), null);
        assertThat(jdk).contains("unlocked: [Unlocked]", "held by toString-holder: [Locked by thread toString-holder]");
        assertThat(JdkLockSurface.toStringScenario(reentrant(here, name), name)).isEqualTo(jdk);
        // the state as this JVM sees it: held in another JVM, the lock has no owner here
        try (Holder holder = Holder.hold(elsewhere.getLock(name))) {
            assertThat(JdkLockSurface.stateOf(reentrant(here, name), name)).isEqualTo("[Unlocked]");
            assertThat(holder.release()).isNull();
        }
    }

    @Test
    void theMonitoringMethodsSpeakForThisJvmAndTheServer() throws Exception {
        DistributedReentrantLock lock = reentrant(here, name);
        assertThat(reentrant(here, name)).as("one object per name while referenced").isSameAs(lock);
        assertThat(lock.getOwner()).isNull();
        assertThat(lock.getQueuedThreads()).isEmpty();
        assertThat(lock.toString()).endsWith("[" + name + "][Unlocked]");
        lock.lock();
        try {
            assertThat(lock.getOwner()).isSameAs(Thread.currentThread());
            assertThat(lock.toString()).endsWith("[" + name + "][Locked by thread " + Thread.currentThread().getName()
                    + "]");
            // the other JVM sees the lock held on the server but no owner or queue of its own
            DistributedReentrantLock there = reentrant(elsewhere, name);
            assertThat(async(there::isLocked).get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(there.getOwner()).isNull();
            assertThat(there.toString()).endsWith("[Unlocked]");
            Future<Boolean> waiter = async(() -> {
                lock.lock();
                lock.unlock();
                return true;
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> lock.getQueuedThreads().size() == 1);
            if (!fair()) {
                // a fair waiter waits in the server's queue, which the final hasQueuedThread does not see
                assertThat(lock.getQueuedThreads()).allMatch(t -> lock.hasQueuedThread(t));
            }
            lock.unlock();
            assertThat(waiter.get(30, TimeUnit.SECONDS)).isTrue();
            lock.lock();
        } finally {
            lock.unlock();
        }
        java.util.concurrent.locks.Condition foreign = new java.util.concurrent.locks.ReentrantLock().newCondition();
        assertThatThrownBy(() -> lock.hasWaiters(null)).isExactlyInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> lock.hasWaiters(foreign)).isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + name + "'");
        assertThatThrownBy(() -> lock.getWaitQueueLength(foreign)).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lock.getWaitingThreads(foreign)).isExactlyInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLostLeaseLeavesNoOwnerAsIsHeldByCurrentThreadSays() throws Exception {
        DistributedLockFactory fixed = source(LockOptions.builder().leaseTime(Duration.ofMillis(shortLeaseMillis()))
                .watchdog(false).build());
        DistributedReentrantLock lock = reentrant(fixed, name);
        lock.lock();
        Thread owner = lock.getOwner();
        await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> !lock.isHeldByCurrentThread());
        Thread ownerAfter = lock.getOwner();
        int holds = lock.getHoldCount();
        long fence = lock.getFencingToken();
        await().atMost(Duration.ofSeconds(10)).until(() -> lostLeases.contains(name + "#" + fence));
        assertThatThrownBy(lock::unlock).isInstanceOf(LeaseLostException.class);
        assertThat(owner).isSameAs(Thread.currentThread());
        assertThat(ownerAfter).isNull();
        assertThat(holds).isEqualTo(1);
        await().atMost(Duration.ofSeconds(20)).until(() -> elsewhereTakesAndReleases(name, 0));
    }

    @Test
    void serializationIsRefusedNamingTheLock() {
        JdkLockSurface.serializationIsRefused(reentrant(here, name), name);
    }

    @Test
    void aLockObjectCannotBeMadeOutsideAFactory() {
        assertThatThrownBy(() -> new DistributedReentrantLock() {
            private static final long serialVersionUID = 1L;
        }).isExactlyInstanceOf(IllegalStateException.class).hasMessageContaining("made by their factory");
    }

    @Test
    void codeWrittenForReentrantLockRunsUnchangedOnTheDistributedLock() throws Exception {
        // the same class, the same calls, the same answers: only the initializer differs
        List<String> plain = LegacyCounter.exercise(new LegacyCounter(new java.util.concurrent.locks.ReentrantLock(fair())));
        List<String> distributed = LegacyCounter.exercise(new LegacyCounter(reentrant(here, name)));
        assertThat(distributed).isEqualTo(plain);
        // and two JVMs running it exclude each other
        LegacyCounter there = new LegacyCounter(reentrant(elsewhere, name));
        reentrant(here, name).lock();
        try {
            assertThat(async(there::tryIncrement).get(30, TimeUnit.SECONDS)).isFalse();
        } finally {
            reentrant(here, name).unlock();
        }
        assertThat(async(there::tryIncrement).get(30, TimeUnit.SECONDS)).isTrue();
    }

    /** A class written the way ReentrantLock's javadoc shows, with its field declared ReentrantLock. */
    static final class LegacyCounter {
        private final java.util.concurrent.locks.ReentrantLock lock;
        private int value;

        LegacyCounter(java.util.concurrent.locks.ReentrantLock lock) {
            this.lock = lock;
        }

        void increment() {
            lock.lock();
            try {
                assert lock.isHeldByCurrentThread();
                value++;
            } finally {
                lock.unlock();
            }
        }

        boolean tryIncrement() throws InterruptedException {
            if (!lock.tryLock(0, TimeUnit.SECONDS)) {
                return false;
            }
            try {
                value++;
                return true;
            } finally {
                lock.unlock();
            }
        }

        String health() {
            return "queue=" + lock.getQueueLength() + " queued=" + lock.hasQueuedThreads() + " fair=" + lock.isFair()
                    + " held=" + lock.isHeldByCurrentThread() + " holds=" + lock.getHoldCount();
        }

        static List<String> exercise(LegacyCounter c) throws Exception {
            List<String> seen = new ArrayList<>();
            seen.add(c.health());
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> work = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    work.add(threads.submit(() -> {
                        for (int i = 0; i < 100; i++) {
                            c.increment();
                        }
                    }));
                }
                for (Future<?> f : work) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                threads.shutdownNow();
            }
            seen.add("value=" + c.value);
            c.lock.lock();
            c.lock.lock();
            seen.add(c.health());
            c.lock.unlock();
            c.lock.unlock();
            seen.add(c.health());
            seen.add("tryIncrement=" + c.tryIncrement() + " value=" + c.value);
            return seen;
        }
    }

    // ---- local registry ---------------------------------------------------------------------

    @Test
    void idleLocksLeaveTheLocalRegistryHeldOnesStay() {
        // hold a lock through an object this test does not keep: only the engine references it
        here.getLock(name).lock();
        try {
            for (int i = 0; i < 500; i++) {
                DistributedLock l = here.getLock(name + "-" + i);
                l.lock();
                l.unlock();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                System.gc();
                return here.localRegistrySize() < 50;
            });
            // the held lock's state survived: same holder, reentrant without the server
            assertThat(here.getLock(name).isHeldByCurrentThread()).isTrue();
            assertThat(here.getLock(name).getHoldCount()).isEqualTo(1);
            assertThat(here.getLock(name).tryLock()).isTrue();
            here.getLock(name).unlock();
        } finally {
            here.getLock(name).unlock();
        }
        assertThat(here.getLock(name).isLocked()).isFalse();
    }
}
