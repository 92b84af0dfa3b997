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
