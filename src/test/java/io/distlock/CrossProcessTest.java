package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.testing.JvmProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutual exclusion and lease recovery between separate JVM processes running {@link LockWorker}.
 * A back end's subclass says how the workers reach its server and how to inspect it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
public abstract class CrossProcessTest {

    /** The worker's back-end argument, e.g. {@code redis:127.0.0.1:6379}. */
    protected abstract String spec();

    /** A lock factory in this JVM with the given prefix. */
    protected abstract DistributedLockFactory locks(String prefix);

    /** Lock keys left under a prefix. */
    protected abstract List<String> leftovers(String prefix);

    /** The counter's value in the store, and deletes it. */
    protected abstract String takeCounter(String key);

    /** Whether the back end offers fair locks ({@link LockOptions#fair()}). */
    protected boolean supportsFair() {
        return true;
    }

    /**
     * The number of entries the server has for lock {@code lockName} under {@code prefix}: its
     * queued waiters (and, where the back end queues the holder too, the holder). Grows by one
     * when a fair waiter has reached the server.
     */
    protected abstract int queuedOnServer(String prefix, String lockName);

    /**
     * The number of entries the server has for read/write lock {@code lockName}: grows by one
     * when a fair waiter has reached the server. The default counts as {@link #queuedOnServer}.
     */
    protected int queuedReadWriteOnServer(String prefix, String lockName) {
        return queuedOnServer(prefix, lockName);
    }

    /** Lease time for the crash tests (the server may not accept shorter ones). */
    protected long crashLeaseMillis() {
        return 2_000;
    }

    private final String prefix = "xproc-" + UUID.randomUUID() + "-";
    private final List<JvmProcess> processes = new ArrayList<>();

    private JvmProcess worker(String... args) {
        List<String> all = new ArrayList<>(List.of(spec(), prefix));
        all.addAll(List.of(args));
        JvmProcess p = JvmProcess.start(LockWorker.class, all.toArray(String[]::new));
        processes.add(p);
        return p;
    }

    @AfterEach
    void stopProcesses() {
        processes.forEach(JvmProcess::close);
        assertThat(leftovers(prefix)).isEmpty();
    }

    @Test
    void threeJvmsWithSeveralThreadsEachNeverLoseAnUpdate() {
        int jvms = 3;
        int threads = 3;
        int rounds = 30;
        String counter = "xproc-data-" + UUID.randomUUID();
        List<JvmProcess> workers = new ArrayList<>();
        for (int i = 0; i < jvms; i++) {
            workers.add(worker("count", "shared", Integer.toString(threads), Integer.toString(rounds), counter));
        }
        for (JvmProcess w : workers) {
            w.awaitLine("READY", Duration.ofSeconds(60));
        }
        long start = System.nanoTime();
        workers.forEach(w -> w.send("go"));
        for (JvmProcess w : workers) {
            assertThat(w.awaitLine("DONE", Duration.ofSeconds(150))).startsWith("DONE " + threads * rounds + " ");
            assertThat(w.waitFor(Duration.ofSeconds(30))).isZero();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(takeCounter(counter)).isEqualTo(Integer.toString(jvms * threads * rounds));
        System.out.printf("%s: %d JVMs x %d threads x %d read-modify-write increments: exact count in %d ms%n",
                getClass().getSimpleName(), jvms, threads, rounds, ms);
    }

    /** Runs the fencing register across one JVM of 4 threads and two of 2; returns the holds handed over. */
    private int fencingRegisterAcrossJvms(int maxLocalHandoffs) {
        String register = "xproc-fence-" + UUID.randomUUID();
        int rounds = 20;
        int[] threads = {4, 2, 2};
        List<JvmProcess> workers = new ArrayList<>();
        for (int t : threads) {
            workers.add(worker("fence", "fenced", Integer.toString(t), Integer.toString(rounds), register,
                    Integer.toString(maxLocalHandoffs)));
        }
        for (JvmProcess w : workers) {
            w.awaitLine("READY", Duration.ofSeconds(60));
        }
        workers.forEach(w -> w.send("go"));
        int handedOver = 0;
        for (int i = 0; i < workers.size(); i++) {
            String done = workers.get(i).awaitLine("DONE", Duration.ofSeconds(150));
            assertThat(done).startsWith("DONE holds=" + threads[i] * rounds + " violations=0 ");
            handedOver += Integer.parseInt(done.substring(done.indexOf("handedOver=") + 11));
            assertThat(workers.get(i).waitFor(Duration.ofSeconds(30))).isZero();
        }
        takeCounter(register);
        System.out.printf("%s: 3 JVMs (4 + 2 + 2 threads), %d holds, maxLocalHandoffs %d: every token greater "
                + "than the one before (%d by local hand-over)%n", getClass().getSimpleName(), 8 * rounds,
                maxLocalHandoffs, handedOver);
        return handedOver;
    }

    @Test
    void everyHolderInEveryJvmPresentsAGreaterTokenThanTheOneBefore() {
        assertThat(fencingRegisterAcrossJvms(8)).as("some holds came by local hand-over").isPositive();
        assertThat(fencingRegisterAcrossJvms(0)).isZero();
    }

    /**
     * Items the bounded buffer moves across JVMs: {@code -Ddistlock.bufferItems=N}, else the back
     * end's default for CI (10,000 on Redis).
     */
    protected final int bufferItems() {
        return Integer.getInteger("distlock.bufferItems", defaultBufferItems());
    }

    /** The number of items the bounded buffer moves in CI. */
    protected int defaultBufferItems() {
        return 5_000;
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void aBoundedBufferAcrossSixJvmsMovesEveryItemExactlyOnce() throws Exception {
        int total = bufferItems();
        String bufferKey = "xproc-buffer-" + UUID.randomUUID();
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("distlock-buffer-");
        List<JvmProcess> producers = new ArrayList<>();
        List<JvmProcess> consumers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int count = total / 3 + (i < total % 3 ? 1 : 0);
            producers.add(worker("buffer", "buffer", "producer", Integer.toString(i), Integer.toString(count),
                    Integer.toString(total), bufferKey, dir.resolve("none").toString()));
            consumers.add(worker("buffer", "buffer", "consumer", Integer.toString(i), "0", Integer.toString(total),
                    bufferKey, dir.resolve("consumer-" + i).toString()));
        }
        List<JvmProcess> all = new ArrayList<>(producers);
        all.addAll(consumers);
        for (JvmProcess w : all) {
            w.awaitLine("READY", Duration.ofSeconds(60));
        }
        long start = System.nanoTime();
        all.forEach(w -> w.send("go"));
        for (JvmProcess w : all) {
            assertThat(w.awaitLine("DONE", Duration.ofSeconds(540))).startsWith("DONE ");
            assertThat(w.waitFor(Duration.ofSeconds(30))).as("no JVM stuck at the end").isZero();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        List<String> taken = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            taken.addAll(java.nio.file.Files.readAllLines(dir.resolve("consumer-" + i)));
        }
        java.util.Set<String> expected = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            int count = total / 3 + (i < total % 3 ? 1 : 0);
            for (int j = 0; j < count; j++) {
                expected.add(Integer.toString(i * 1_000_000 + j));
            }
        }
        assertThat(taken).as("items taken").hasSize(total).doesNotHaveDuplicates();
        assertThat(new java.util.HashSet<>(taken)).isEqualTo(expected);
        takeCounter(bufferKey);
        takeCounter(bufferKey + ":consumed");
        System.out.printf("%s: bounded buffer (capacity %d, notFull/notEmpty by index), 3 producer and 3 consumer "
                + "JVMs: %d items moved exactly once in %d ms (%.0f items/s)%n", getClass().getSimpleName(),
                LockWorker.BUFFER_CAPACITY, total, ms, total * 1000.0 / ms);
    }

    // ---- fair locks ---------------------------------------------------------------------------

    /**
     * Lets the waiters labelled {@code order} ask for the held lock one after another, each once
     * the one before has reached the server's queue (or the local queue, for a ReentrantLock).
     */
    private void arriveInOrder(List<String> order, java.util.function.Consumer<String> ask,
                               java.util.function.IntSupplier queued) {
        int expected = queued.getAsInt();
        for (String label : order) {
            ask.accept(label);
            int next = ++expected;
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> queued.getAsInt() >= next);
        }
    }

    @Test
    void fairLocksServeTheThreadsOfEveryJvmInTheOrderTheyAsked() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(supportsFair(), "no fair locks on this back end");
        // A1 B1 C1 A2 ...: a non-fair lock would let A2 follow A1 (a local hand-over)
        List<String> order = new ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            for (char jvm = 'A'; jvm <= 'C'; jvm++) {
                order.add(jvm + Integer.toString(round));
            }
        }
        // what ReentrantLock(true) does with threads arriving in that order
        java.util.concurrent.locks.ReentrantLock jdk = new java.util.concurrent.locks.ReentrantLock(true);
        List<String> jdkOrder = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> jdkThreads = new ArrayList<>();
        jdk.lock();
        arriveInOrder(order, label -> {
            Thread t = new Thread(() -> {
                jdk.lock();
                jdkOrder.add(label);
                jdk.unlock();
            });
            jdkThreads.add(t);
            t.start();
        }, jdk::getQueueLength);
        jdk.unlock();
        for (Thread t : jdkThreads) {
            t.join(10_000);
        }
        assertThat(jdkOrder).as("ReentrantLock(true)").isEqualTo(order);

        String log = "xproc-fairlog-" + UUID.randomUUID();
        String lockName = "fair";
        List<JvmProcess> jvms = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jvms.add(worker("fair", lockName, "30000", log));
        }
        for (JvmProcess w : jvms) {
            w.awaitLine("READY", Duration.ofSeconds(60));
        }
        LockOptions fair = LockOptions.builder().fair(true).build();
        try (DistributedLockFactory here = LockWorker.factory(spec(), prefix, fair, (n, f) -> { })) {
            DistributedLock lock = here.getLock(lockName);
            lock.lock();
            arriveInOrder(order, label -> {
                JvmProcess w = jvms.get(label.charAt(0) - 'A');
                w.send("go " + label);
                w.awaitLine("ASKING " + label, Duration.ofSeconds(30));
            }, () -> queuedOnServer(prefix, lockName));
            lock.unlock();
            for (JvmProcess w : jvms) {
                w.send("end");
                assertThat(w.awaitLine("DONE", Duration.ofSeconds(120))).isEqualTo("DONE");
                assertThat(w.waitFor(Duration.ofSeconds(30))).isZero();
            }
        }
        assertThat(takeCounter(log)).as("the order in which the holders got the lock")
                .isEqualTo(String.join(",", order));
        System.out.printf("%s: fair lock, 9 threads of 3 JVMs served in arrival order %s, as ReentrantLock(true)%n",
                getClass().getSimpleName(), order);
    }

    @Test
    void fairReadWriteLocksServeTheReadersAndWritersOfEveryJvmInTheOrderTheyAsked() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(supportsFair(), "no fair locks on this back end");
        // labels: JVM, r(ead) or w(rite), number. Served in arrival order: each writer alone,
        // readers that asked one after another together; a non-fair lock would let A's threads
        // follow each other, or readers overtake the writers waiting before them
        List<String> order = List.of("Ar1", "Bw1", "Cr2", "Ar3", "Bw2", "Cw3", "Ar4", "Br5", "Cr6", "Aw4");
        String log = "xproc-fairrwlog-" + UUID.randomUUID();
        String lockName = "fair-rw";
        List<JvmProcess> jvms = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jvms.add(worker("fairrw", lockName, "30000", log));
        }
        for (JvmProcess w : jvms) {
            w.awaitLine("READY", Duration.ofSeconds(60));
        }
        LockOptions fair = LockOptions.builder().fair(true).build();
        try (DistributedLockFactory here = LockWorker.factory(spec(), prefix, fair, (n, f) -> { })) {
            DistributedReadWriteLock lock = here.getReadWriteLock(lockName);
            lock.writeLock().lock();
            arriveInOrder(order, label -> {
                JvmProcess w = jvms.get(label.charAt(0) - 'A');
                w.send("go " + label);
                w.awaitLine("ASKING " + label, Duration.ofSeconds(30));
            }, () -> queuedReadWriteOnServer(prefix, lockName));
            lock.writeLock().unlock();
            for (JvmProcess w : jvms) {
                w.send("end");
                assertThat(w.awaitLine("DONE", Duration.ofSeconds(120))).isEqualTo("DONE");
                assertThat(w.waitFor(Duration.ofSeconds(30))).isZero();
            }
        }
        List<String> served = List.of(takeCounter(log).split(","));
        // the groups: each writer alone, consecutive readers as one set
        List<java.util.Set<String>> expected = new ArrayList<>();
        List<java.util.Set<String>> actual = new ArrayList<>();
        int at = 0;
        for (int i = 0; i < order.size(); i++) {
            boolean joins = i > 0 && order.get(i).charAt(1) == 'r' && order.get(i - 1).charAt(1) == 'r';
            if (!joins) {
                expected.add(new java.util.HashSet<>());
            }
            expected.get(expected.size() - 1).add(order.get(i));
        }
        for (java.util.Set<String> group : expected) {
            actual.add(new java.util.HashSet<>(served.subList(at, Math.min(at + group.size(), served.size()))));
            at += group.size();
        }
        assertThat(served).as("every thread served once").hasSameSizeAs(order);
        assertThat(actual).as("the groups in which the holders got the lock, served " + served).isEqualTo(expected);
        System.out.printf("%s: fair read/write lock, 10 readers and writers of 3 JVMs served %s, arrived %s%n",
                getClass().getSimpleName(), served, order);
    }

    @Test
    void aFairQueueSkipsTheWaiterOfAKilledJvm() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(supportsFair(), "no fair locks on this back end");
        String log = "xproc-fairlog-" + UUID.randomUUID();
        String lockName = "fair-dead";
        String lease = Long.toString(crashLeaseMillis());
        JvmProcess dead = worker("fair", lockName, lease, log);
        JvmProcess live = worker("fair", lockName, lease, log);
        dead.awaitLine("READY", Duration.ofSeconds(60));
        live.awaitLine("READY", Duration.ofSeconds(60));
        LockOptions fair = LockOptions.builder().fair(true).build();
        long start;
        try (DistributedLockFactory here = LockWorker.factory(spec(), prefix, fair, (n, f) -> { })) {
            DistributedLock lock = here.getLock(lockName);
            lock.lock();
            arriveInOrder(List.of("dead", "live"), label -> {
                JvmProcess w = label.equals("dead") ? dead : live;
                w.send("go " + label);
                w.awaitLine("ASKING " + label, Duration.ofSeconds(30));
            }, () -> queuedOnServer(prefix, lockName));
            dead.kill();
            start = System.nanoTime();
            lock.unlock();
            live.send("end");
            assertThat(live.awaitLine("GOT", Duration.ofSeconds(60))).isEqualTo("GOT live");
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(live.awaitLine("DONE", Duration.ofSeconds(30))).isEqualTo("DONE");
        assertThat(takeCounter(log)).isEqualTo("live");
        assertThat(ms).as("the next waiter is served once the dead one's place has lapsed")
                .isLessThan(deadWaiterMillis() + 20_000);
        System.out.printf("%s: fair lock, the waiter queued behind a killed JVM's got the lock %d ms after the "
                + "release%n", getClass().getSimpleName(), ms);
        // what is left of the dead JVM's place goes by itself
        org.awaitility.Awaitility.await().atMost(Duration.ofMillis(deadWaiterMillis() + 10_000))
                .until(() -> leftovers(prefix).isEmpty());
    }

    /** How long after its JVM died a waiter's record is gone: Redis 6 s; etcd the session's lease. */
    protected long deadWaiterMillis() {
        return 6_000;
    }

    /** A waiter of this JVM on condition "c" of lock {@code lockName}, awaiting up to a minute. */
    private java.util.concurrent.CompletableFuture<Boolean> waiterHere(DistributedLockFactory locks, String lockName) {
        java.util.concurrent.CountDownLatch queued = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Boolean> f = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            DistributedLock lock = locks.getLock(lockName);
            java.util.concurrent.locks.Condition c = lock.newCondition("c");
            lock.lock();
            try {
                queued.countDown();
                return c.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                lock.unlock();
            }
        });
        try {
            assertThat(queued.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return f;
    }

    private static int waiters(DistributedLockFactory locks, String lockName) {
        DistributedReentrantLock lock = (DistributedReentrantLock) locks.getLock(lockName);
        java.util.concurrent.locks.Condition c = lock.newCondition("c");
        lock.lock();
        try {
            return lock.getWaitQueueLength(c);
        } finally {
            lock.unlock();
        }
    }

    @Test
    void aWaiterJvmKilledWhileAwaitingDoesNotSwallowASignal() throws Exception {
        JvmProcess dead = worker("await", "dead-waiter", Long.toString(crashLeaseMillis()));
        dead.awaitLine("LOCKED", Duration.ofSeconds(60));
        try (DistributedLockFactory locks = locks(prefix)) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> waiters(locks, "dead-waiter") == 1);
            // queued after the other JVM's waiter: a signal that did not skip dead waiters would
            // go to the dead one
            java.util.concurrent.CompletableFuture<Boolean> live = waiterHere(locks, "dead-waiter");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> waiters(locks, "dead-waiter") == 2);
            dead.kill();
            // the dead JVM's waiter stops counting once its liveness record lapses (its entry may
            // stay queued: the signal must skip it)
            org.awaitility.Awaitility.await().atMost(Duration.ofMillis(deadWaiterMillis() + 20_000))
                    .until(() -> waiters(locks, "dead-waiter") == 1);
            DistributedLock lock = locks.getLock("dead-waiter");
            lock.lock();
            try {
                lock.newCondition("c").signal();
            } finally {
                lock.unlock();
            }
            assertThat(live.get(20, TimeUnit.SECONDS)).as("the live waiter was signalled").isTrue();
        }
    }

    @Test
    void aHolderFrozenPastItsLeaseSignalsNobody() throws Exception {
        try (DistributedLockFactory locks = locks(prefix)) {
            java.util.concurrent.CompletableFuture<Boolean> waiter = waiterHere(locks, "frozen-signaller");
            JvmProcess holder = worker("signal", "frozen-signaller", Long.toString(crashLeaseMillis()));
            holder.awaitLine("LOCKED", Duration.ofSeconds(60));
            holder.freeze();
            // meanwhile this JVM takes the lock the frozen holder lost (once its lease has run
            // out), and gives it back
            DistributedLock lock = locks.getLock("frozen-signaller");
            assertThat(lock.tryLock(20, TimeUnit.SECONDS)).isTrue();
            lock.unlock();
            holder.thaw();
            holder.send("signal");
            assertThat(holder.awaitLine("LEASE_LOST", Duration.ofSeconds(30))).isEqualTo("LEASE_LOST");
            // the server still counts the waiter (a signal takes it off the queue in the same step
            // that wakes it), and it still waits
            assertThat(waiters(locks, "frozen-signaller")).as("the stale signal woke nobody").isEqualTo(1);
            assertThat(waiter.isDone()).as("the stale signal woke nobody").isFalse();
            lock.lock();
            try {
                lock.newCondition("c").signal();
            } finally {
                lock.unlock();
            }
            assertThat(waiter.get(20, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aReadWriteLockAcrossJvmsLosesNoUpdateAndShowsNoTornRead() {
        int jvms = 3;
        int threads = 3;
        int rounds = 20;
        String counter = "xproc-rw-" + UUID.randomUUID();
        List<JvmProcess> workers = new ArrayList<>();
        for (int i = 0; i < jvms; i++) {
            workers.add(worker("rw", "shared-rw", Integer.toString(threads), Integer.toString(rounds), counter));
        }
        for (JvmProcess w : workers) {
            w.awaitLine("READY", Duration.ofSeconds(60));
        }
        workers.forEach(w -> w.send("go"));
        int writes = 0;
        for (JvmProcess w : workers) {
            String done = w.awaitLine("DONE", Duration.ofSeconds(150));
            assertThat(done).endsWith("violations=0");
            writes += Integer.parseInt(done.substring(done.indexOf("writes=") + 7, done.indexOf(' ', done.indexOf("writes="))));
            assertThat(w.waitFor(Duration.ofSeconds(30))).isZero();
        }
        assertThat(writes).isEqualTo(jvms * threads * rounds / 4);
        assertThat(takeCounter(counter)).isEqualTo(Integer.toString(writes));
        System.out.printf("%s: read/write lock, %d JVMs x %d threads: %d writes, no lost update, no torn read%n",
                getClass().getSimpleName(), jvms, threads, writes);
    }

    @Test
    void aKilledHoldersLockIsTakenOverWhenItsLeaseRunsOut() throws Exception {
        JvmProcess holder = worker("hold", "killed", Long.toString(crashLeaseMillis()));
        long holderFence = Long.parseLong(holder.awaitLine("LOCKED", Duration.ofSeconds(60)).split(" ")[1]);
        try (DistributedLockFactory locks = locks(prefix)) {
            DistributedLock lock = locks.getLock("killed");
            assertThat(lock.tryLock()).isFalse();
            long killedAt = System.nanoTime();
            holder.kill();
            assertThat(lock.tryLock(30, TimeUnit.SECONDS)).isTrue();
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            try {
                assertThat(lock.getFencingToken()).isGreaterThan(holderFence);
                System.out.printf("%s: lock of a SIGKILLed holder taken over %d ms after the kill%n",
                        getClass().getSimpleName(), waited);
            } finally {
                lock.unlock();
            }
        }
    }

    @Test
    void aFrozenHolderLosesItsLeaseAndItsUnlockSaysSo() throws Exception {
        JvmProcess holder = worker("hold", "frozen", Long.toString(crashLeaseMillis()));
        long holderFence = Long.parseLong(holder.awaitLine("LOCKED", Duration.ofSeconds(60)).split(" ")[1]);
        try (DistributedLockFactory locks = locks(prefix)) {
            DistributedLock lock = locks.getLock("frozen");
            holder.freeze();
            long frozenAt = System.nanoTime();
            assertThat(lock.tryLock(30, TimeUnit.SECONDS)).isTrue();
            try {
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozenAt);
                long newFence = lock.getFencingToken();
                assertThat(newFence).isGreaterThan(holderFence);
                holder.thaw();
                holder.send("unlock");
                assertThat(holder.awaitLine("HELD", Duration.ofSeconds(30))).isEqualTo("HELD false");
                assertThat(holder.awaitLine("LEASE_LOST", Duration.ofSeconds(30))).isEqualTo("LEASE_LOST " + holderFence);
                assertThat(lock.isHeldByCurrentThread()).as("the new holder is unaffected").isTrue();
                System.out.printf("%s: frozen holder (fence %d) lost its lease after %d ms; new holder's fence %d%n",
                        getClass().getSimpleName(), holderFence, waited, newFence);
            } finally {
                lock.unlock();
            }
        }
        assertThat(holder.waitFor(Duration.ofSeconds(30))).isZero();
    }
}
