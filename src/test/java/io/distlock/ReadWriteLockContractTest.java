package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.distlock.testing.Holder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every back end's {@link DistributedReadWriteLock} guarantees, across threads and across
 * factories (each factory standing for a JVM). Subclasses say how to make a factory.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class ReadWriteLockContractTest {

    /** Makes a new, independent factory against the test server. */
    protected abstract DistributedLockFactory newFactory(LockOptions options, LeaseListener listener);

    /** Keys of read/write locks left on the server (must be none after a test). */
    protected abstract List<String> leftovers();

    /** Freezes the server (SIGSTOP). */
    protected abstract void pauseServer();

    /** Unfreezes the server (SIGCONT). */
    protected abstract void resumeServer();

    private final List<DistributedLockFactory> factories = new CopyOnWriteArrayList<>();
    protected final List<String> lost = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    protected DistributedLockFactory here;
    protected DistributedLockFactory elsewhere;
    protected String name;

    /**
     * Whether this run's factories make {@linkplain LockOptions#fair() fair} locks: a back end's
     * fair suite overrides it and runs every test again, plus the fair-only ones.
     */
    protected boolean fair() {
        return false;
    }

    /**
     * The entries the server has for read/write lock {@code lockName} of the test's factories:
     * queued acquisitions (and, where the back end queues holders too, the holders). Grows by one
     * when a fair waiter has reached the server. Only the fair suites call it.
     */
    protected int queuedOnServer(String lockName) {
        throw new UnsupportedOperationException("the fair suite of a back end says how to count its queue");
    }

    protected DistributedLockFactory factory(LockOptions options) {
        LockOptions used = fair() ? options.toBuilder().fair(true).build() : options;
        DistributedLockFactory f = newFactory(used, (n, fence) -> lost.add(n + "#" + fence));
        factories.add(f);
        return f;
    }

    @BeforeEach
    void setUp() {
        here = factory(LockOptions.defaults());
        elsewhere = factory(LockOptions.defaults());
        name = "rw-" + UUID.randomUUID();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        factories.forEach(DistributedLockFactory::close);
        assertThat(leftovers()).as("read/write lock keys left").isEmpty();
    }

    private <T> T elsewhere(Callable<T> body) throws Exception {
        return pool.submit(body).get(60, TimeUnit.SECONDS);
    }

    private static boolean tryAndRelease(java.util.concurrent.locks.Lock lock) {
        if (!lock.tryLock()) {
            return false;
        }
        lock.unlock();
        return true;
    }

    @Test
    void readersOfSeveralJvmsShareTheLockAndKeepWritersOut() throws Exception {
        DistributedReadWriteLock mine = here.getReadWriteLock(name);
        mine.readLock().lock();
        try {
            assertThat(mine.readLock().isHeldByCurrentThread()).isTrue();
            assertThat(elsewhere(() -> tryAndRelease(elsewhere.getReadWriteLock(name).readLock()))).isTrue();
            assertThat(elsewhere(() -> tryAndRelease(here.getReadWriteLock(name).readLock()))).as("another local reader").isTrue();
            assertThat(elsewhere(() -> tryAndRelease(elsewhere.getReadWriteLock(name).writeLock()))).isFalse();
            assertThat(elsewhere(() -> tryAndRelease(here.getReadWriteLock(name).writeLock()))).isFalse();
            assertThat(mine.readLock().isLocked()).isTrue();
            assertThat(mine.writeLock().isLocked()).isFalse();
        } finally {
            mine.readLock().unlock();
        }
        assertThat(elsewhere(() -> tryAndRelease(elsewhere.getReadWriteLock(name).writeLock()))).isTrue();
    }

    @Test
    void aWriterExcludesEveryoneElse() throws Exception {
        try (Holder writer = Holder.hold(elsewhere.getReadWriteLock(name).writeLock())) {
            assertThat(elsewhere(() -> tryAndRelease(here.getReadWriteLock(name).readLock()))).isFalse();
            assertThat(elsewhere(() -> tryAndRelease(here.getReadWriteLock(name).writeLock()))).isFalse();
            assertThat(elsewhere(() -> tryAndRelease(elsewhere.getReadWriteLock(name).readLock()))).isFalse();
            assertThat(here.getReadWriteLock(name).writeLock().isLocked()).isTrue();
            long start = System.nanoTime();
            assertThat(elsewhere(() -> here.getReadWriteLock(name).readLock().tryLock(300, TimeUnit.MILLISECONDS))).isFalse();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 5_000L);
            assertThat(writer.release()).isNull();
        }
        assertThat(elsewhere(() -> tryAndRelease(here.getReadWriteLock(name).readLock()))).isTrue();
    }

    @Test
    void bothLocksAreReentrantWithTheirOwnHoldCounts() {
        DistributedReadWriteLock rw = here.getReadWriteLock(name);
        rw.writeLock().lock();
        rw.writeLock().lock();
        rw.readLock().lock();
        rw.readLock().lock();
        rw.readLock().lock();
        assertThat(rw.writeLock().getHoldCount()).isEqualTo(2);
        assertThat(rw.readLock().getHoldCount()).isEqualTo(3);
        assertThat(rw.toString()).contains(name, "[Write locks = 2, Read locks = 3]");
        assertThat(rw.writeLock().toString()).contains(name, "[Locked by thread " + Thread.currentThread().getName() + "]");
        rw.readLock().unlock();
        rw.readLock().unlock();
        rw.readLock().unlock();
        rw.writeLock().unlock();
        rw.writeLock().unlock();
        assertThat(rw.writeLock().getHoldCount()).isZero();
        assertThat(rw.readLock().getHoldCount()).isZero();
        assertThat(rw.writeLock().isLocked()).isFalse();
        assertThat(rw.readLock().isLocked()).isFalse();
    }

    @Test
    void aWriterMayDowngradeToAReader() throws Exception {
        DistributedReadWriteLock rw = here.getReadWriteLock(name);
        rw.writeLock().lock();
        long writeFence = rw.writeLock().getFencingToken();
        rw.readLock().lock();
        assertThat(rw.readLock().getFencingToken()).isGreaterThan(writeFence);
        rw.writeLock().unlock();
        try {
            assertThat(rw.readLock().isHeldByCurrentThread()).isTrue();
            assertThat(elsewhere(() -> tryAndRelease(elsewhere.getReadWriteLock(name).readLock()))).as("readers join").isTrue();
            assertThat(elsewhere(() -> tryAndRelease(elsewhere.getReadWriteLock(name).writeLock()))).as("writers wait").isFalse();
        } finally {
            rw.readLock().unlock();
        }
    }

    @Test
    void aReaderCannotUpgrade() throws Exception {
        DistributedReadWriteLock rw = here.getReadWriteLock(name);
        rw.readLock().lock();
        try {
            assertThat(rw.writeLock().tryLock()).isFalse();
            long start = System.nanoTime();
            assertThat(rw.writeLock().tryLock(2, TimeUnit.SECONDS)).isFalse();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("refused at once").isLessThan(1_000);
            assertThatThrownBy(() -> rw.writeLock().lock()).isInstanceOf(IllegalMonitorStateException.class)
                    .hasMessageContaining("upgraded");
            assertThatThrownBy(() -> rw.writeLock().lockInterruptibly()).isInstanceOf(IllegalMonitorStateException.class);
            assertThat(rw.readLock().isHeldByCurrentThread()).isTrue();
        } finally {
            rw.readLock().unlock();
        }
    }

    @Test
    void unlockingWhatOneDoesNotHoldThrows() {
        DistributedReadWriteLock rw = here.getReadWriteLock(name);
        assertThatThrownBy(() -> rw.readLock().unlock()).isExactlyInstanceOf(IllegalMonitorStateException.class)
                .hasMessageContaining("read lock");
        assertThatThrownBy(() -> rw.writeLock().unlock()).isExactlyInstanceOf(IllegalMonitorStateException.class)
                .hasMessageContaining("write lock");
        assertThatThrownBy(() -> rw.readLock().getFencingToken()).isInstanceOf(IllegalMonitorStateException.class);
        assertThatThrownBy(() -> rw.readLock().newCondition()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aStreamOfReadersDoesNotStarveAWriter() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger readsDone = new AtomicInteger();
        List<Future<Integer>> readers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            readers.add(pool.submit(() -> {
                DistributedLock read = here.getReadWriteLock(name).readLock();
                int n = 0;
                for (int i = 0; i < 2_000 && !stop.get(); i++) {
                    read.lock();
                    try {
                        Thread.sleep(20);
                        n++;
                        readsDone.incrementAndGet();
                    } finally {
                        read.unlock();
                    }
                }
                return n;
            }));
        }
        // the stream of readers is flowing before the writer asks
        await().atMost(Duration.ofSeconds(20)).until(() -> readsDone.get() >= 6);
        long start = System.nanoTime();
        boolean wrote = elsewhere(() -> {
            DistributedLock write = elsewhere.getReadWriteLock(name).writeLock();
            if (!write.tryLock(30, TimeUnit.SECONDS)) {
                return false;
            }
            write.unlock();
            return true;
        });
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        stop.set(true);
        int reads = 0;
        for (Future<Integer> r : readers) {
            reads += r.get(60, TimeUnit.SECONDS);
        }
        System.out.println(getClass().getSimpleName() + ": writer got in after " + waited
                + " ms among overlapping readers (" + reads + " reads)");
        assertThat(wrote).isTrue();
        assertThat(waited).isLessThan(10_000);
    }

    @Test
    void writersExcludeAndReadersNeverSeeAWriteInProgress() throws Exception {
        DistributedLockFactory third = factory(LockOptions.defaults());
        List<DistributedLockFactory> jvms = List.of(here, elsewhere, third);
        AtomicLong value = new AtomicLong();
        AtomicInteger writersInside = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger writes = new AtomicInteger();
        AtomicInteger maxReaders = new AtomicInteger();
        AtomicInteger readersInside = new AtomicInteger();
        List<Future<?>> all = new ArrayList<>();
        for (DistributedLockFactory jvm : jvms) {
            for (int t = 0; t < 3; t++) {
                int seed = t;
                all.add(pool.submit(() -> {
                    DistributedReadWriteLock rw = jvm.getReadWriteLock(name);
                    for (int i = 0; i < 20; i++) {
                        if ((i + seed) % 4 == 0) {
                            rw.writeLock().lock();
                            try {
                                if (writersInside.incrementAndGet() != 1 || readersInside.get() != 0) {
                                    violations.incrementAndGet();
                                }
                                long v = value.get();
                                Thread.sleep(2);
                                value.set(v + 1);
                                writes.incrementAndGet();
                                writersInside.decrementAndGet();
                            } finally {
                                rw.writeLock().unlock();
                            }
                        } else {
                            rw.readLock().lock();
                            try {
                                maxReaders.accumulateAndGet(readersInside.incrementAndGet(), Math::max);
                                if (writersInside.get() != 0) {
                                    violations.incrementAndGet();
                                }
                                long before = value.get();
                                Thread.sleep(3);
                                if (value.get() != before) {
                                    violations.incrementAndGet();
                                }
                                readersInside.decrementAndGet();
                            } finally {
                                rw.readLock().unlock();
                            }
                        }
                    }
                    return null;
                }));
            }
        }
        for (Future<?> f : all) {
            f.get(90, TimeUnit.SECONDS);
        }
        System.out.println(getClass().getSimpleName() + ": " + writes.get() + " writes, at most "
                + maxReaders.get() + " readers at once, " + violations.get() + " violations");
        assertThat(violations.get()).isZero();
        assertThat(value.get()).isEqualTo(writes.get());
        assertThat(maxReaders.get()).as("readers overlapped").isGreaterThan(1);
    }

    @Test
    void readAndWriteLeasesAreRenewedAndTheirLossReported() throws Exception {
        DistributedLockFactory renewing = factory(LockOptions.builder().leaseTime(Duration.ofMillis(700)).build());
        AtomicInteger renewed = DistributedLockContractTest.renewals(renewing, name);
        DistributedReadWriteLock rw = renewing.getReadWriteLock(name);
        rw.readLock().lock();
        long start = System.nanoTime();
        // the watchdog renews every third of the lease: ten renewals, past three leases
        await().atMost(Duration.ofSeconds(20)).until(() -> renewed.get() >= 10);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("read held past three leases")
                .isGreaterThan(2_100);
        assertThat(rw.readLock().isHeldByCurrentThread()).isTrue();
        assertThat(elsewhere(() -> tryAndRelease(elsewhere.getReadWriteLock(name).writeLock()))).isFalse();
        rw.readLock().unlock();
        rw.writeLock().lock();
        start = System.nanoTime();
        int afterRead = renewed.get();
        await().atMost(Duration.ofSeconds(20)).until(() -> renewed.get() >= afterRead + 10);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("write held past three leases")
                .isGreaterThan(2_100);
        assertThat(rw.writeLock().isHeldByCurrentThread()).isTrue();
        assertThat(elsewhere(() -> tryAndRelease(elsewhere.getReadWriteLock(name).readLock()))).isFalse();
        rw.writeLock().unlock();
        assertThat(lost).isEmpty();

        DistributedLockFactory fixed = factory(LockOptions.builder().leaseTime(Duration.ofMillis(500)).watchdog(false).build());
        DistributedLock read = fixed.getReadWriteLock(name).readLock();
        read.lock();
        long fence = read.getFencingToken();
        await().atMost(Duration.ofSeconds(10)).until(() -> lost.contains(name + "#" + fence));
        assertThat(read.isHeldByCurrentThread()).isFalse();
        assertThat(elsewhere(() -> {
            DistributedLock w = elsewhere.getReadWriteLock(name).writeLock();
            if (!w.tryLock(10, TimeUnit.SECONDS)) {
                return false;
            }
            w.unlock();
            return true;
        })).as("the lapsed reader no longer keeps writers out").isTrue();
        assertThatThrownBy(read::unlock).isInstanceOf(LeaseLostException.class);
    }

    /**
     * A lost lease is final for its hold on both sides: no acquisition method lets the thread
     * re-enter, the hold count stays as it was, and once released the thread acquires afresh.
     */
    @Test
    void aThreadWhoseReadOrWriteLeaseWasLostCannotReenterThatSide() throws Exception {
        DistributedLockFactory fixed = factory(LockOptions.builder().leaseTime(Duration.ofMillis(500)).watchdog(false).build());
        DistributedReadWriteLock rw = fixed.getReadWriteLock(name);
        for (DistributedLock side : List.of(rw.writeLock(), rw.readLock())) {
            side.lock();
            long fence = side.getFencingToken();
            await().atMost(Duration.ofSeconds(10)).until(() -> lost.contains(name + "#" + fence));
            assertThatThrownBy(side::lock).as(side.toString()).isInstanceOf(LeaseLostException.class);
            assertThatThrownBy(side::lockInterruptibly).isInstanceOf(LeaseLostException.class);
            assertThatThrownBy(side::tryLock).isInstanceOf(LeaseLostException.class);
            assertThatThrownBy(() -> side.tryLock(1, TimeUnit.SECONDS)).isInstanceOf(LeaseLostException.class);
            assertThat(side.getHoldCount()).isEqualTo(1);
            assertThatThrownBy(side::unlock).isInstanceOf(LeaseLostException.class);
            assertThat(side.getHoldCount()).isZero();
            assertThat(side.tryLock(10, TimeUnit.SECONDS)).as("acquired afresh").isTrue();
            assertThat(side.getFencingToken()).isGreaterThan(fence);
            side.unlock();
        }
    }

    @Test
    void aWriterDowngradesAtOnceWhileAnotherJvmsWriterWaits() throws Exception {
        DistributedReadWriteLock rw = here.getReadWriteLock(name);
        rw.writeLock().lock();
        java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
        AtomicBoolean otherInside = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Thread> otherThread = new java.util.concurrent.atomic.AtomicReference<>();
        Future<Boolean> otherWriter = pool.submit(() -> {
            DistributedLock w = elsewhere.getReadWriteLock(name).writeLock();
            otherThread.set(Thread.currentThread());
            asked.countDown();
            if (!w.tryLock(60, TimeUnit.SECONDS)) {
                return false;
            }
            otherInside.set(true);
            w.unlock();
            return true;
        });
        assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
        io.distlock.testing.Waiter.awaitParked(otherThread.get());   // queued on the server, waiting
        long start = System.nanoTime();
        assertThat(rw.readLock().tryLock(5, TimeUnit.SECONDS)).as("the write holder takes the read lock").isTrue();
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(took).as("at once, as ReentrantReadWriteLock does").isLessThan(2_000);
        rw.writeLock().unlock();
        try {
            Thread.sleep(700);
            assertThat(otherInside.get()).as("the other writer waits for the downgraded reader").isFalse();
            assertThat(rw.readLock().isHeldByCurrentThread()).isTrue();
            assertThat(rw.readLock().isLocked()).isTrue();
            assertThat(rw.writeLock().isLocked()).isFalse();
        } finally {
            rw.readLock().unlock();
        }
        assertThat(otherWriter.get(60, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void writersInSeveralJvmsGetIncreasingFencingTokens() throws Exception {
        List<Long> tokens = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> all = new ArrayList<>();
        for (DistributedLockFactory jvm : List.of(here, elsewhere, factory(LockOptions.defaults()))) {
            for (int t = 0; t < 2; t++) {
                all.add(pool.submit(() -> {
                    DistributedReadWriteLock rw = jvm.getReadWriteLock(name);
                    for (int i = 0; i < 10; i++) {
                        rw.writeLock().lock();
                        try {
                            tokens.add(rw.writeLock().getFencingToken());
                        } finally {
                            rw.writeLock().unlock();
                        }
                        rw.readLock().lock();
                        try {
                            // a reader's token is above every write lock's before it
                            long read = rw.readLock().getFencingToken();
                            synchronized (tokens) {
                                assertThat(read).isGreaterThan(java.util.Collections.max(tokens));
                            }
                        } finally {
                            rw.readLock().unlock();
                        }
                    }
                    return null;
                }));
            }
        }
        for (Future<?> f : all) {
            f.get(90, TimeUnit.SECONDS);
        }
        assertThat(tokens).hasSize(60).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void aWriteLockWhoseAnswerIsLostLeavesNothingOnTheServer() throws Exception {
        for (int delayMillis : new int[] {0, 2}) {
            String lost = name + "-" + delayMillis;
            io.distlock.testing.Freeze.aroundTimedTryLock(pool, here.getReadWriteLock(lost).writeLock(), delayMillis,
                    this::pauseServer, this::resumeServer);
            await().atMost(Duration.ofSeconds(20)).until(() -> leftovers().isEmpty());
            assertThat(elsewhere(() -> tryAndRelease(elsewhere.getReadWriteLock(lost).writeLock()))).isTrue();
            assertThat(elsewhere(() -> tryAndRelease(elsewhere.getReadWriteLock(lost).readLock()))).isTrue();
        }
    }

    @Test
    void readWriteLocksWhoseNamesArePrefixesOfEachOtherAreIndependent() throws Exception {
        List<String> names = List.of(name, name + "/w", name + "/", name + "/r/x", name.substring(0, 8));
        for (String held : names) {
            try (Holder holder = Holder.hold(elsewhere.getReadWriteLock(held).writeLock())) {
                for (String other : names) {
                    if (!other.equals(held)) {
                        assertThat(elsewhere(() -> tryAndRelease(here.getReadWriteLock(other).writeLock())))
                                .as("write lock of '%s' while '%s' is write-locked", other, held).isTrue();
                        assertThat(here.getReadWriteLock(other).readLock().isLocked()).isFalse();
                    }
                }
                // an exclusive lock of the same name is a different lock
                assertThat(elsewhere(() -> tryAndRelease(here.getLock(held)))).isTrue();
                assertThat(holder.release()).isNull();
            }
        }
    }

    // ---- a ReentrantReadWriteLock, for code that declares one ---------------------------------

    /** The read/write lock of a back end's factory, as the ReentrantReadWriteLock it is. */
    private DistributedReentrantReadWriteLock reentrant(DistributedLockFactory factory) {
        return (DistributedReentrantReadWriteLock) factory.getReadWriteLock(name);
    }

    @Test
    void everyOverridableMethodOfReentrantReadWriteLockIsOverridden() {
        DistributedReentrantReadWriteLock rw = reentrant(here);
        assertThat(JdkLockSurface.notOverridden(rw.getClass(), ReentrantReadWriteLock.class)).isEmpty();
        assertThat(JdkLockSurface.notOverridden(rw.readLock().getClass(), ReentrantReadWriteLock.ReadLock.class))
                .isEmpty();
        assertThat(JdkLockSurface.notOverridden(rw.writeLock().getClass(), ReentrantReadWriteLock.WriteLock.class))
                .isEmpty();
        assertThat(JdkLockSurface.finalMethods(ReentrantReadWriteLock.class))
                .containsExactly("getQueueLength", "hasQueuedThread", "hasQueuedThreads", "isFair");
        assertThat(JdkLockSurface.finalMethods(ReentrantReadWriteLock.ReadLock.class)).isEmpty();
        assertThat(JdkLockSurface.finalMethods(ReentrantReadWriteLock.WriteLock.class)).isEmpty();
    }

    @Test
    void theQueueAndMonitoringMethodsAnswerAsAReentrantReadWriteLockDoesForThisJvm() throws Exception {
        DistributedReentrantReadWriteLock rw = reentrant(here);
        assertThat(reentrant(here)).as("one object per name while referenced").isSameAs(rw);
        assertThat(rw.readLock()).isSameAs(rw.readLock());
        assertThat(rw.isFair()).isEqualTo(fair());
        if (!fair()) {
            // a fair lock's waiters queue on the server, not in the local queue these methods read
            ReentrantReadWriteLock plain = new ReentrantReadWriteLock();
            assertThat(queueScenario(rw)).isEqualTo(queueScenario(plain));
        }
        assertThat(rw.isWriteLocked()).isFalse();
        rw.writeLock().lock();
        try {
            assertThat(rw.getOwner()).isSameAs(Thread.currentThread());
            DistributedReentrantReadWriteLock there = reentrant(elsewhere);
            assertThat(elsewhere(there::isWriteLocked)).as("asks the server").isTrue();
            assertThat(there.getOwner()).isNull();
            assertThat(rw.toString()).endsWith("[" + name + "][Write locks = 1, Read locks = 0]");
            assertThat(rw.writeLock().toString()).endsWith("[" + name + "][Locked by thread "
                    + Thread.currentThread().getName() + "]");
        } finally {
            rw.writeLock().unlock();
        }
        java.util.concurrent.locks.Condition foreign = new ReentrantReadWriteLock().writeLock().newCondition();
        assertThatThrownBy(() -> rw.hasWaiters(foreign)).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> rw.getWaitQueueLength(null)).isExactlyInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> rw.getWaitingThreads(foreign)).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> rw.readLock().newCondition()).isExactlyInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toStringTellsTheStateInReentrantReadWriteLocksWordsBesideTheName() throws Exception {
        List<String> jdk = JdkLockSurface.toStringScenario(new ReentrantReadWriteLock(fair()), null);
        assertThat(jdk).contains("unlocked: rw=[Write locks = 0, Read locks = 0] read=[Read locks = 0] write=[Unlocked]",
                "write-locked twice by toString-writer: rw=[Write locks = 2, Read locks = 0] read=[Read locks = 0] "
                        + "write=[Locked by thread toString-writer]",
                "read-locked twice by the caller: rw=[Write locks = 0, Read locks = 2] read=[Read locks = 2] "
                        + "write=[Unlocked]");
        DistributedReentrantReadWriteLock rw = reentrant(here);
        assertThat(JdkLockSurface.toStringScenario(rw, name)).isEqualTo(jdk);
        // the counts are this JVM's: another JVM's reader and writer are not counted here
        DistributedReentrantReadWriteLock there = reentrant(elsewhere);
        try (JdkLockSurface.OtherThread reader = JdkLockSurface.OtherThread.holding("reader-there", there.readLock())) {
            assertThat(JdkLockSurface.stateOf(there, name)).isEqualTo("[Write locks = 0, Read locks = 1]");
            assertThat(JdkLockSurface.stateOf(rw, name)).isEqualTo("[Write locks = 0, Read locks = 0]");
            assertThat(JdkLockSurface.stateOf(rw.readLock(), name)).isEqualTo("[Read locks = 0]");
        }
        try (JdkLockSurface.OtherThread writer = JdkLockSurface.OtherThread.holding("writer-there", there.writeLock())) {
            assertThat(JdkLockSurface.stateOf(there.writeLock(), name)).isEqualTo("[Locked by thread writer-there]");
            assertThat(JdkLockSurface.stateOf(rw, name)).isEqualTo("[Write locks = 0, Read locks = 0]");
            assertThat(JdkLockSurface.stateOf(rw.writeLock(), name)).isEqualTo("[Unlocked]");
        }
    }

    /** The writer holds; two writers and a reader of this JVM queue; what the lock says about it. */
    private static List<String> queueScenario(ReentrantReadWriteLock rw) throws Exception {
        List<String> seen = new ArrayList<>();
        seen.add("fair=" + rw.isFair() + " queued=" + rw.hasQueuedThreads());
        rw.writeLock().lock();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                java.util.concurrent.locks.Lock side = i == 2 ? rw.readLock() : rw.writeLock();
                Thread t = new Thread(() -> {
                    side.lock();
                    side.unlock();
                }, "rw-queued-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
                await().atMost(Duration.ofSeconds(20)).until(() -> rw.hasQueuedThread(t));
            }
            seen.add("held: length=" + rw.getQueueLength() + " queued=" + rw.hasQueuedThreads()
                    + " writeHolds=" + rw.getWriteHoldCount() + " readHolds=" + rw.getReadHoldCount()
                    + " readLocks=" + rw.getReadLockCount() + " byMe=" + rw.isWriteLockedByCurrentThread());
            rw.readLock().lock();
            seen.add("downgrading: readHolds=" + rw.getReadHoldCount() + " readLocks=" + rw.getReadLockCount());
            rw.readLock().unlock();
        } finally {
            rw.writeLock().unlock();
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            seen.add(t.getName() + " done=" + !t.isAlive());
        }
        seen.add("drained: length=" + rw.getQueueLength() + " queued=" + rw.hasQueuedThreads());
        return seen;
    }

    @Test
    void theProtectedQueueListsNameTheQueuedThreadsOfThisJvm() throws Exception {
        DistributedReentrantReadWriteLock rw = reentrant(here);
        rw.writeLock().lock();
        Thread reader = new Thread(() -> {
            rw.readLock().lock();
            rw.readLock().unlock();
        }, "queued-reader");
        Thread writer = new Thread(() -> {
            rw.writeLock().lock();
            rw.writeLock().unlock();
        }, "queued-writer");
        try {
            reader.start();
            writer.start();
            // a fair lock's waiters are in the server's queue: getQueueLength() does not count them
            await().atMost(Duration.ofSeconds(20)).until(() -> rw.getQueuedThreads().size() == 2);
            assertThat(rw.getQueuedReaderThreads()).containsExactly(reader);
            assertThat(rw.getQueuedWriterThreads()).containsExactly(writer);
            assertThat(rw.getQueuedThreads()).containsExactlyInAnyOrder(reader, writer);
        } finally {
            rw.writeLock().unlock();
        }
        reader.join(30_000);
        writer.join(30_000);
        assertThat(reader.isAlive() || writer.isAlive()).isFalse();
    }

    @Test
    void aLocalHoldTakenThroughAJdkLockObjectGivesNoDistributedHold() throws Exception {
        DistributedReentrantReadWriteLock rw = reentrant(here);
        // the JDK's protected constructors build plain locks over the object's own synchronizer
        ReentrantReadWriteLock.WriteLock rawWrite = new ReentrantReadWriteLock.WriteLock(rw) {
            private static final long serialVersionUID = 1L;
        };
        ReentrantReadWriteLock.ReadLock rawRead = new ReentrantReadWriteLock.ReadLock(rw) {
            private static final long serialVersionUID = 1L;
        };
        rawWrite.lock();
        try {
            assertThatThrownBy(() -> rw.writeLock().lock()).isExactlyInstanceOf(IllegalMonitorStateException.class)
                    .hasMessageContaining("without a lease");
            assertThatThrownBy(() -> rw.writeLock().tryLock()).isExactlyInstanceOf(IllegalMonitorStateException.class);
            assertThat(rw.writeLock().getHoldCount()).as("the refused attempts left no hold").isEqualTo(1);
            assertThat(rw.writeLock().isHeldByCurrentThread()).isFalse();
        } finally {
            rawWrite.unlock();
        }
        rawRead.lock();
        try {
            assertThatThrownBy(() -> rw.readLock().lock()).isExactlyInstanceOf(IllegalMonitorStateException.class);
            assertThat(rw.getReadHoldCount()).isEqualTo(1);
        } finally {
            rawRead.unlock();
        }
        assertThat(elsewhere(() -> tryAndRelease(reentrant(elsewhere).writeLock()))).isTrue();
    }

    @Test
    void theWriteLocksConditionsWorkAcrossJvmsAndTheReadLockHasNone() throws Exception {
        DistributedReadWriteLock rw = here.getReadWriteLock(name);
        java.util.concurrent.locks.Condition changed = rw.writeLock().newCondition();
        assertThatThrownBy(() -> rw.readLock().newCondition("x")).isExactlyInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(changed::signal).isExactlyInstanceOf(IllegalMonitorStateException.class)
                .hasMessage("current thread does not hold the write lock of '" + name + "'");
        java.util.concurrent.CountDownLatch queued = new java.util.concurrent.CountDownLatch(1);
        Future<long[]> waiter = pool.submit(() -> {
            rw.writeLock().lock();
            rw.writeLock().lock();
            try {
                long before = rw.writeLock().getFencingToken();
                queued.countDown();
                boolean signalled = changed.await(30, TimeUnit.SECONDS);
                return new long[] {signalled ? 1 : 0, rw.writeLock().getHoldCount(), before,
                        rw.writeLock().getFencingToken()};
            } finally {
                rw.writeLock().unlock();
                rw.writeLock().unlock();
            }
        });
        assertThat(queued.await(20, TimeUnit.SECONDS)).isTrue();
        // the awaiting writer gave the lock back: another JVM's writer and readers get in
        DistributedReentrantReadWriteLock there = reentrant(elsewhere);
        java.util.concurrent.locks.Condition thereChanged = there.writeLock().newCondition();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            there.writeLock().lock();
            try {
                return there.getWaitQueueLength(thereChanged) == 1;
            } finally {
                there.writeLock().unlock();
            }
        });
        assertThat(elsewhere(() -> tryAndRelease(there.readLock()))).isTrue();
        there.writeLock().lock();
        try {
            thereChanged.signal();
        } finally {
            there.writeLock().unlock();
        }
        long[] r = waiter.get(30, TimeUnit.SECONDS);
        assertThat(r[0]).as("signalled").isEqualTo(1);
        assertThat(r[1]).as("write holds restored").isEqualTo(2);
        assertThat(r[3]).isGreaterThan(r[2]);
        rw.writeLock().lock();
        try {
            assertThat(changed.await(200, TimeUnit.MILLISECONDS)).as("a timed wait with no signal").isFalse();
            assertThat(rw.writeLock().isHeldByCurrentThread()).isTrue();
        } finally {
            rw.writeLock().unlock();
        }
    }

    @Test
    void serializationIsRefusedNamingTheLock() {
        DistributedReentrantReadWriteLock rw = reentrant(here);
        JdkLockSurface.serializationIsRefused(rw.readLock(), name);
        JdkLockSurface.serializationIsRefused(rw.writeLock(), name);
        assertThatThrownBy(() -> new java.io.ObjectOutputStream(new java.io.ByteArrayOutputStream()).writeObject(rw))
                .isInstanceOf(java.io.NotSerializableException.class).hasMessageContaining("'" + name + "'");
    }

    @Test
    void codeDeclaringReentrantReadWriteLockTypesRunsUnchanged() throws Exception {
        ReentrantReadWriteLock rw = reentrant(here);
        ReentrantReadWriteLock.ReadLock read = rw.readLock();
        ReentrantReadWriteLock.WriteLock write = rw.writeLock();
        write.lock();
        try {
            assertThat(write.isHeldByCurrentThread()).isTrue();
            assertThat(write.getHoldCount()).isEqualTo(1);
            assertThat(elsewhere(() -> tryAndRelease(reentrant(elsewhere).readLock()))).isFalse();
        } finally {
            write.unlock();
        }
        read.lock();
        try {
            assertThat(rw.getReadHoldCount()).isEqualTo(1);
            assertThat(elsewhere(() -> tryAndRelease(reentrant(elsewhere).readLock()))).isTrue();
            assertThat(elsewhere(() -> tryAndRelease(reentrant(elsewhere).writeLock()))).isFalse();
        } finally {
            read.unlock();
        }
    }

    // ---- fair locks ---------------------------------------------------------------------------

    /** One arrival of the fair-order test: a label, whose first letter says read or write. */
    private static void enter(java.util.concurrent.locks.ReadWriteLock rw, String label, List<String> log) {
        java.util.concurrent.locks.Lock side = label.startsWith("r") ? rw.readLock() : rw.writeLock();
        side.lock();
        try {
            log.add(label);
        } finally {
            side.unlock();
        }
    }

    /**
     * Checks that {@code log} enters in the groups of {@code arrivals}: a writer alone, readers
     * that arrived one after another together (in any order within the group).
     */
    private static void assertServedInGroups(List<String> arrivals, List<String> log, String who) {
        assertThat(log).as(who).hasSameSizeAs(arrivals);
        int i = 0;
        while (i < arrivals.size()) {
            int end = i + 1;
            if (arrivals.get(i).startsWith("r")) {
                while (end < arrivals.size() && arrivals.get(end).startsWith("r")) {
                    end++;
                }
            }
            assertThat(new java.util.HashSet<>(log.subList(i, end))).as(who + ": group " + arrivals.subList(i, end)
                    + " of " + log).isEqualTo(new java.util.HashSet<>(arrivals.subList(i, end)));
            i = end;
        }
    }

    @Test
    void fairLocksServeReadersAndWritersOfEveryJvmInArrivalOrderAsReentrantReadWriteLockDoes() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(fair(), "for fair locks");
        // A writer holds; readers and writers of two JVMs arrive one after another. Served in
        // arrival order: a writer alone, readers that arrived together at once; a non-fair lock
        // would let the late readers in before the writers (or the local thread before the other JVM)
        List<String> arrivals = List.of("r1-there", "w1-here", "r2-there", "r3-here", "w2-there", "r4-here",
                "r5-there", "w3-here");
        ReentrantReadWriteLock jdk = new ReentrantReadWriteLock(true);
        List<String> jdkLog = java.util.Collections.synchronizedList(new ArrayList<>());
        jdk.writeLock().lock();
        List<Future<?>> jdkThreads = new ArrayList<>();
        for (String label : arrivals) {
            int before = jdk.getQueueLength();
            jdkThreads.add(pool.submit(() -> enter(jdk, label, jdkLog)));
            await().atMost(Duration.ofSeconds(20)).until(() -> jdk.getQueueLength() > before);
        }
        jdk.writeLock().unlock();
        for (Future<?> f : jdkThreads) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertServedInGroups(arrivals, jdkLog, "ReentrantReadWriteLock(true)");

        DistributedReadWriteLock holder = here.getReadWriteLock(name);
        holder.writeLock().lock();
        List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> threads = new ArrayList<>();
        try {
            for (String label : arrivals) {
                DistributedLockFactory f = label.endsWith("-here") ? here : elsewhere;
                int before = queuedOnServer(name);
                threads.add(pool.submit(() -> enter(f.getReadWriteLock(name), label, log)));
                await().atMost(Duration.ofSeconds(20)).until(() -> queuedOnServer(name) > before);
            }
            assertThat(log).as("nobody entered while the writer held").isEmpty();
            assertThat(reentrant(here).getQueuedThreads()).as("this JVM's threads queued on the server").hasSize(4);
            assertThat(reentrant(here).getQueuedWriterThreads()).hasSize(2);
            assertThat(reentrant(here).getQueuedReaderThreads()).hasSize(2);
        } finally {
            holder.writeLock().unlock();
        }
        for (Future<?> f : threads) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertServedInGroups(arrivals, log, "the fair distributed lock");
        System.out.printf("%s: fair read/write lock, readers and writers of two JVMs served %s, arrived %s%n",
                getClass().getSimpleName(), log, arrivals);
    }

    @Test
    void aFairWriteHoldersReadDoesNotQueueBehindWaitingWriters() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(fair(), "for fair locks");
        DistributedReadWriteLock rw = here.getReadWriteLock(name);
        rw.writeLock().lock();
        Future<Boolean> waitingWriter;
        try {
            int before = queuedOnServer(name);
            waitingWriter = pool.submit(() -> tryAndRelease(elsewhere.getReadWriteLock(name).writeLock(), 30));
            await().atMost(Duration.ofSeconds(20)).until(() -> queuedOnServer(name) > before);
            // the downgrade: a read while holding the write lock goes in at once
            assertThat(rw.readLock().tryLock(5, TimeUnit.SECONDS)).as("the write holder's read").isTrue();
        } finally {
            rw.writeLock().unlock();
        }
        // holding only the read lock now: the waiting writer still waits for it
        assertThat(waitingWriter.isDone()).isFalse();
        assertThat(elsewhere(() -> tryAndRelease(elsewhere.getReadWriteLock(name).writeLock()))).isFalse();
        rw.readLock().unlock();
        assertThat(waitingWriter.get(30, TimeUnit.SECONDS)).isTrue();
    }

    // ---- tryLock() past queued waiters, as ReentrantReadWriteLock's ----------------------------

    /**
     * Leaves on the server of read/write lock {@code lockName} what a writer of another JVM
     * leaves there while it waits (a fair lock: its place at the tail of the queue), and returns
     * what takes it away again; with the lock free and nobody before it, a writer whose turn has
     * come and who has not taken it. {@code null} where the back end has no such state: on etcd
     * the oldest key of the queue holds the lock.
     */
    protected AutoCloseable queueAStalledWriter(String lockName) {
        return null;
    }

    /**
     * A reader ({@code readers}' read lock, on another thread) holds, a writer queues
     * ({@code writers}' write lock); what {@code probed}'s locks answer to {@code tryLock()} and
     * {@code tryLock(0, unit)} from yet another thread. {@code queued}: whether the writer thread
     * is queued (for a distributed lock: true; the thread is then checked to be parked, after its
     * factory made its first calls).
     */
    private List<String> readPastAQueuedWriter(java.util.concurrent.locks.ReadWriteLock readers,
                                               java.util.concurrent.locks.ReadWriteLock writers,
                                               java.util.concurrent.locks.ReadWriteLock probed,
                                               java.util.function.Predicate<Thread> queued) throws Exception {
        List<String> seen = new ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Thread> writerThread = new java.util.concurrent.atomic.AtomicReference<>();
        Future<Boolean> writer;
        try (JdkLockSurface.OtherThread reader = JdkLockSurface.OtherThread.holding("reader", readers.readLock())) {
            // the factories' first calls (a session, a connection) are made before the writer queues
            assertThat(elsewhere(() -> tryAndRelease(writers.readLock()) && tryAndRelease(probed.readLock()))).isTrue();
            writer = pool.submit(() -> {
                writerThread.set(Thread.currentThread());
                writers.writeLock().lock();
                writers.writeLock().unlock();
                return true;
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> writerThread.get() != null && queued.test(writerThread.get()));
            io.distlock.testing.Waiter.awaitParked(writerThread.get());
            seen.add("read tryLock()=" + elsewhere(() -> tryAndRelease(probed.readLock())));
            seen.add("read tryLock(0)=" + elsewhere(() -> tryAndRelease(probed.readLock(), 0)));
            seen.add("write tryLock()=" + elsewhere(() -> tryAndRelease(probed.writeLock())));
            seen.add("write tryLock(0)=" + elsewhere(() -> tryAndRelease(probed.writeLock(), 0)));
            seen.add("the writer waits=" + !writer.isDone());
        }
        assertThat(writer.get(30, TimeUnit.SECONDS)).as("the writer, once the reader is gone").isTrue();
        return seen;
    }

    /**
     * As {@code ReentrantReadWriteLock}'s, fair or not, the read lock's {@code tryLock()} reads
     * past a writer queued behind readers (the write lock is not held); {@code tryLock(0, unit)}
     * gives way to it. Checked with the reader in one JVM and the writer in another, or in the
     * prober's JVM.
     */
    @Test
    void readTryLockReadsPastAQueuedWriterAsReentrantReadWriteLockDoes() throws Exception {
        ReentrantReadWriteLock jdk = new ReentrantReadWriteLock(fair());
        List<String> expected = readPastAQueuedWriter(jdk, jdk, jdk, jdk::hasQueuedThread);
        assertThat(expected).containsExactly("read tryLock()=true", "read tryLock(0)=false", "write tryLock()=false",
                "write tryLock(0)=false", "the writer waits=true");
        // the reader in a third JVM (a non-fair writer of the reader's JVM would queue there, locally)
        DistributedReadWriteLock readers = factory(LockOptions.defaults()).getReadWriteLock(name);
        DistributedReadWriteLock there = elsewhere.getReadWriteLock(name);
        DistributedReadWriteLock mine = here.getReadWriteLock(name);
        assertThat(readPastAQueuedWriter(readers, there, mine, t -> true)).as("the writer in another JVM").isEqualTo(expected);
        List<String> local = readPastAQueuedWriter(readers, mine, mine, t -> true);
        if (fair()) {
            assertThat(local).as("the writer in the prober's JVM").isEqualTo(expected);
        } else {
            // the difference documented on DistributedReentrantReadWriteLock: a non-fair writer
            // waits for the server holding its JVM's local write lock, which keeps the JVM's
            // readers out
            assertThat(local).as("the writer in the prober's JVM").containsExactly("read tryLock()=false",
                    "read tryLock(0)=false", "write tryLock()=false", "write tryLock(0)=false", "the writer waits=true");
        }
    }

    /** Runs {@code step} on {@code actor}'s thread and returns its result. */
    private static <T> T on(ExecutorService actor, Callable<T> step) throws Exception {
        return actor.submit(step).get(60, TimeUnit.SECONDS);
    }

    /** A single thread named {@code threadName}, to hold locks across steps. */
    private static ExecutorService actor(String threadName) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts a writer of {@code writers} on {@code actor} and waits until it is queued (parked). */
    private static Future<Boolean> queueWriter(ExecutorService actor, java.util.concurrent.locks.ReadWriteLock writers)
            throws InterruptedException {
        java.util.concurrent.atomic.AtomicReference<Thread> started = new java.util.concurrent.atomic.AtomicReference<>();
        Future<Boolean> writer = actor.submit(() -> {
            started.set(Thread.currentThread());
            return tryAndRelease(writers.writeLock(), 60);
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> started.get() != null);
        io.distlock.testing.Waiter.awaitParked(started.get());
        return writer;
    }

    /**
     * A writer ({@code writers}) queued while only readers hold, in turn: a reader of
     * {@code readers}; then a reader of {@code probed} that read past the writer; then the write
     * holder of {@code readers} that downgraded and gave the write lock back; and at last that
     * holder before it gives the write lock back. What the readers of {@code probed} get with
     * {@code tryLock()} each time.
     */
    private List<String> readPastWhateverReadersHold(java.util.concurrent.locks.ReadWriteLock readers,
                                                     java.util.concurrent.locks.ReadWriteLock writers,
                                                     java.util.concurrent.locks.ReadWriteLock probed) throws Exception {
        List<String> seen = new ArrayList<>();
        ExecutorService r = actor("reader");
        ExecutorService b1 = actor("past-1");
        ExecutorService b2 = actor("past-2");
        ExecutorService w = actor("writer");
        try {
            // the factories' first calls are made before anyone queues
            assertThat(on(w, () -> tryAndRelease(writers.readLock())) && on(b1, () -> tryAndRelease(probed.readLock()))
                    && on(r, () -> tryAndRelease(readers.readLock()))).isTrue();
            on(r, () -> {
                readers.readLock().lock();
                return null;
            });
            Future<Boolean> writer = queueWriter(w, writers);
            boolean got1 = on(b1, () -> probed.readLock().tryLock());
            seen.add("past a writer queued behind a reader: " + got1);
            on(r, () -> {
                readers.readLock().unlock();
                return null;
            });
            boolean got2 = on(b2, () -> probed.readLock().tryLock());
            seen.add("past a writer queued behind a reader that read past it: " + got2);
            seen.add("the writer waits: " + !writer.isDone());
            for (ExecutorService b : got1 && got2 ? List.of(b1, b2) : got1 ? List.of(b1) : got2 ? List.of(b2)
                    : List.<ExecutorService>of()) {
                on(b, () -> {
                    probed.readLock().unlock();
                    return null;
                });
            }
            assertThat(writer.get(30, TimeUnit.SECONDS)).isTrue();

            on(r, () -> {
                readers.writeLock().lock();
                return null;
            });
            writer = queueWriter(w, writers);
            on(r, () -> {
                readers.readLock().lock();
                return null;
            });
            seen.add("beside a write holder that took the read lock: " + on(b1, () -> tryAndRelease(probed.readLock())));
            on(r, () -> {
                readers.writeLock().unlock();
                return null;
            });
            seen.add("past a writer queued behind a downgraded reader: " + on(b1, () -> tryAndRelease(probed.readLock())));
            seen.add("the writer waits: " + !writer.isDone());
            on(r, () -> {
                readers.readLock().unlock();
                return null;
            });
            assertThat(writer.get(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            for (ExecutorService e : List.of(r, b1, b2, w)) {
                e.shutdownNow();
            }
        }
        return seen;
    }

    /**
     * A writer that waits while only readers hold the lock is passed by a reader's
     * {@code tryLock()} whoever those readers are (one that read past it too, or a writer's
     * downgraded read), and not while a writer holds, as on {@code ReentrantReadWriteLock}.
     */
    @Test
    void readTryLockReadsPastAQueuedWriterWhoeverTheReadersAreAsReentrantReadWriteLockDoes() throws Exception {
        ReentrantReadWriteLock jdk = new ReentrantReadWriteLock(fair());
        List<String> expected = readPastWhateverReadersHold(jdk, jdk, jdk);
        assertThat(expected).containsExactly("past a writer queued behind a reader: true",
                "past a writer queued behind a reader that read past it: true", "the writer waits: true",
                "beside a write holder that took the read lock: false",
                "past a writer queued behind a downgraded reader: true", "the writer waits: true");
        DistributedReadWriteLock readers = factory(LockOptions.defaults()).getReadWriteLock(name);
        assertThat(readPastWhateverReadersHold(readers, elsewhere.getReadWriteLock(name), here.getReadWriteLock(name)))
                .isEqualTo(expected);
    }

    /**
     * Readers that read past queued writers with {@code tryLock()} (and downgrading writers, whose
     * reads stay after their write lock) never overlap a writer: threads of three JVMs, writers
     * with {@code lock()}, readers with {@code tryLock()} in a loop, pausing between reads.
     */
    @Test
    void readersReadingPastQueuedWritersNeverOverlapAWriter() throws Exception {
        List<DistributedLockFactory> jvms = List.of(here, elsewhere, factory(LockOptions.defaults()));
        AtomicInteger writersInside = new AtomicInteger();
        AtomicInteger readersInside = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger writes = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<?>> all = new ArrayList<>();
        for (DistributedLockFactory jvm : jvms) {
            all.add(pool.submit(() -> {
                DistributedReadWriteLock rw = jvm.getReadWriteLock(name);
                for (int i = 0; i < 8; i++) {
                    rw.writeLock().lock();
                    boolean downgraded = false;
                    try {
                        if (writersInside.incrementAndGet() != 1 || readersInside.get() != 0) {
                            violations.incrementAndGet();
                        }
                        Thread.sleep(5);
                        writes.incrementAndGet();
                        writersInside.decrementAndGet();
                        if (i % 2 == 0) {
                            rw.readLock().lock();   // a downgrade: the read outlives the write lock
                            readersInside.incrementAndGet();
                            downgraded = true;
                        }
                    } finally {
                        rw.writeLock().unlock();
                    }
                    if (downgraded) {
                        try {
                            Thread.sleep(10);
                            if (writersInside.get() != 0) {
                                violations.incrementAndGet();
                            }
                        } finally {
                            readersInside.decrementAndGet();
                            rw.readLock().unlock();
                        }
                    }
                }
                return null;
            }));
            for (int t = 0; t < 2; t++) {
                pool.submit(() -> {
                    DistributedLock read = jvm.getReadWriteLock(name).readLock();
                    while (!stop.get()) {
                        if (!read.tryLock()) {
                            Thread.sleep(1);
                            continue;
                        }
                        try {
                            readersInside.incrementAndGet();
                            if (writersInside.get() != 0) {
                                violations.incrementAndGet();
                            }
                            Thread.sleep(3);
                            if (writersInside.get() != 0) {
                                violations.incrementAndGet();
                            }
                            reads.incrementAndGet();
                        } finally {
                            readersInside.decrementAndGet();
                            read.unlock();
                        }
                        // a pause, or readers that read past writers would keep them out for
                        // ever (as they would a ReentrantReadWriteLock's)
                        Thread.sleep(10);
                    }
                    return null;
                });
            }
        }
        try {
            for (Future<?> f : all) {
                f.get(90, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
        }
        System.out.println(getClass().getSimpleName() + ": " + writes.get() + " writes among " + reads.get()
                + " reads by tryLock(), " + violations.get() + " violations");
        assertThat(violations.get()).isZero();
        assertThat(writes.get()).isEqualTo(24);
        assertThat(reads.get()).as("readers got in").isPositive();
    }

    /**
     * As {@code ReentrantReadWriteLock}'s, fair or not, both locks' {@code tryLock()} take a free
     * lock past a queued writer; a fair lock's {@code tryLock(0, unit)} does not, a non-fair
     * one's read lock gives way to the writer at the head of the queue. The JDK lock shows it
     * between an unlock and the queued writer's wake-up; the distributed lock in the same state
     * set up on the server: another JVM's writer waiting, its turn come (and, fair, a writer of
     * the prober's JVM queued behind it).
     */
    @Test
    void tryLockTakesAFreeLockPastQueuedWaitersAsReentrantReadWriteLockDoes() throws Exception {
        ReentrantReadWriteLock jdk = new ReentrantReadWriteLock(fair());
        java.util.concurrent.locks.Lock w = jdk.writeLock();
        List<String> expected = List.of(
                "write tryLock()=" + JdkLockSurface.takesAFreeLockPastAQueuedThread(w, jdk::hasQueuedThread, w, false),
                "write tryLock(0)=" + JdkLockSurface.takesAFreeLockPastAQueuedThread(w, jdk::hasQueuedThread, w, true),
                "read tryLock()=" + JdkLockSurface.takesAFreeLockPastAQueuedThread(w, jdk::hasQueuedThread, jdk.readLock(), false),
                "read tryLock(0)=" + JdkLockSurface.takesAFreeLockPastAQueuedThread(w, jdk::hasQueuedThread, jdk.readLock(), true));
        assertThat(expected).containsExactly("write tryLock()=true", "write tryLock(0)=" + !fair(), "read tryLock()=true",
                "read tryLock(0)=false");

        AutoCloseable stalled = queueAStalledWriter(name);
        org.junit.jupiter.api.Assumptions.assumeTrue(stalled != null,
                "no writer keeps a place on this back end's server while the lock is free");
        java.util.concurrent.atomic.AtomicReference<Thread> waiting = new java.util.concurrent.atomic.AtomicReference<>();
        Future<Boolean> waiter = null;
        try {
            if (fair()) {
                // a fair writer of the prober's JVM queues behind it (a non-fair one would wait
                // holding the JVM's local write lock: see readTryLockReadsPastAQueuedWriter...)
                waiter = pool.submit(() -> {
                    waiting.set(Thread.currentThread());
                    DistributedLock l = here.getReadWriteLock(name).writeLock();
                    l.lock();
                    l.unlock();
                    return true;
                });
                await().atMost(Duration.ofSeconds(20)).until(() -> waiting.get() != null
                        && reentrant(here).getQueuedWriterThreads().contains(waiting.get()));
                io.distlock.testing.Waiter.awaitParked(waiting.get());
            }
            for (DistributedLockFactory prober : List.of(here, elsewhere)) {
                DistributedReadWriteLock rw = prober.getReadWriteLock(name);
                assertThat(List.of(
                        "write tryLock()=" + elsewhere(() -> tryAndRelease(rw.writeLock())),
                        "write tryLock(0)=" + elsewhere(() -> tryAndRelease(rw.writeLock(), 0)),
                        "read tryLock()=" + elsewhere(() -> tryAndRelease(rw.readLock())),
                        "read tryLock(0)=" + elsewhere(() -> tryAndRelease(rw.readLock(), 0))))
                        .as(prober == here ? "in the waiter's JVM" : "in another JVM").isEqualTo(expected);
            }
            if (waiter != null) {
                assertThat(waiter.isDone()).as("the waiter still waits for its turn").isFalse();
            }
        } finally {
            stalled.close();
        }
        if (waiter != null) {
            assertThat(waiter.get(30, TimeUnit.SECONDS)).as("the waiter's turn, once the stalled one is gone").isTrue();
        }
    }

    private static boolean tryAndRelease(java.util.concurrent.locks.Lock lock, long seconds) throws InterruptedException {
        if (!lock.tryLock(seconds, TimeUnit.SECONDS)) {
            return false;
        }
        lock.unlock();
        return true;
    }
}
