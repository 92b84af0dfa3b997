package io.distlock.internal;


import io.distlock.LockOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of the engine's local state machine for one read/write lock: concurrent
 * {@code lock}, {@code tryLock} and {@code unlock} of its read and its write side, the read and
 * write hold counts and {@code isWriteLockedByCurrentThread} on one {@link ReadWriteSync}, over
 * the in-memory read/write store ({@link InMemoryReadWriteBackend}), must match some sequential
 * run of {@link ReentrantReadWriteLockModel}, the semantics of
 * {@link java.util.concurrent.locks.ReentrantReadWriteLock} written as counters: reentrant reads
 * and writes, a write holder may take read locks (a downgrade), a read holder gets {@code false}
 * from the write lock's {@code tryLock()}. A read hold count that is not the current thread's own,
 * an inner unlock that lets the lock go, a downgrade refused, or a reader let into the write lock
 * fails it. It is {@link LockLinearizabilityTest}'s twin: the same modes, budget rules and way of
 * writing scenarios, which that class's comment explains.
 *
 * <p><b>Modes: both of Lincheck's.</b> {@link #modelChecking()} runs the written scenarios and
 * one generated one under the model checker (the store treated as atomic, the token's random
 * bytes and the events not explored), {@link #stress()} more generated ones on real threads.
 * Every hold is of one engine, so the server never finds the lock busy (the local lock orders the
 * threads, and a lease is released on the server before the local lock), no thread waits on the
 * server, and the engine's daemon threads stay out of the runs. Both modes fail when the read
 * side counts every thread's read holds as the current thread's (tried by making
 * {@code ReadWriteSync.ReadSide.holds()} return {@code local.readLockCount()} instead of
 * {@code local.readHoldCount()}: the written scenario of two readers fails in each mode), and
 * when a write holder that also reads is refused the write lock's re-entry (tried by dropping
 * {@code && !local.isWriteLockedByCurrentThread()} from {@code WriteSide.mayAcquire}: the
 * downgrade scenario fails in each mode). The class takes about 10.5 s on the 2-core machine:
 * model checking some 7.5 s, of which about 5 s is the checker's start (it takes that long with
 * 5 runs a scenario), stress some 3 s.
 *
 * <p><b>Scenarios.</b> A thread waiting in {@code lock()} of either side holds nothing, and a
 * holder never blocks: its read {@code lock()} re-enters (a reader's re-entry is let in even past
 * a queued writer) or is a downgrade, its write {@code lock()} re-enters. The one exception, a
 * read holder's write {@code lock()}, waits for itself on {@code ReentrantReadWriteLock} (the
 * engine throws instead), so a thread that may hold a read lock never calls it: after its first
 * read acquisition a thread's write acquisitions are {@code tryLock()}s ({@link #scenario}
 * refuses others). Each thread ends with {@code unlockAll}, which releases its read holds, then
 * its write holds; while it runs, every other thread sees the lock as held by the same writer
 * (or the same readers) as before, so it is one operation of the model. Every waiting
 * {@code lock()} is therefore let in by its holders' {@code unlockAll} at the latest. The thread's
 * number is an argument of every operation, for the model only.
 */
@org.junit.jupiter.api.Tag("model-checking")   // run first, in a JVM of its own (see pom.xml)
public class ReadWriteLockLinearizabilityTest {

    private static final InMemoryReadWriteBackend STORE = new InMemoryReadWriteBackend();
    private static final LockEngine ENGINE = new LockEngine(new InMemoryBackend(), STORE, LockOptions.defaults(),
            null, "lincheck-rw");
    private static final AtomicLong NAMES = new AtomicLong();
    private static final long SEED = 17;
    /** Generated scenarios beside the written ones, and runs of each (the class's ~10 s budget). */
    private static final int MODEL_CHECKED_RANDOM = 1;
    private static final int MODEL_CHECKING_INVOCATIONS = 30;
    private static final int STRESSED_RANDOM = 5;
    private static final int STRESS_INVOCATIONS = 120;

    /** A fresh, free read/write lock for every run of a scenario. */
    private final ReadWriteSync lock = ENGINE.readWriteSync("rw" + NAMES.incrementAndGet());

    /** The read lock's {@code lock()}. */
    @Operation
    public void readLock(int thread) {
        lock.readSide().lock();
    }

    /** The read lock's {@code tryLock()}. */
    @Operation
    public boolean readTryLock(int thread) {
        return lock.readSide().tryLock();
    }

    /** The read lock's {@code unlock()}. */
    @Operation
    public void readUnlock(int thread) {
        lock.readSide().unlock();
    }

    /** The write lock's {@code lock()}; never called by a thread that may hold a read lock. */
    @Operation
    public void writeLock(int thread) {
        lock.writeSide().lock();
    }

    /** The write lock's {@code tryLock()}. */
    @Operation
    public boolean writeTryLock(int thread) {
        return lock.writeSide().tryLock();
    }

    /** The write lock's {@code unlock()}. */
    @Operation
    public void writeUnlock(int thread) {
        lock.writeSide().unlock();
    }

    /** The current thread's read holds ({@code getReadHoldCount()}). */
    @Operation
    public int getReadHoldCount(int thread) {
        return lock.readSide().getHoldCount();
    }

    /** The current thread's write holds ({@code getWriteHoldCount()}). */
    @Operation
    public int getWriteHoldCount(int thread) {
        return lock.writeSide().getHoldCount();
    }

    /** Whether the current thread holds the write lock ({@code isWriteLockedByCurrentThread()}). */
    @Operation
    public boolean isWriteLockedByCurrentThread(int thread) {
        return lock.writeSide().isHeldByCurrentThread();
    }

    /**
     * Unlocks the read lock, then the write lock, until the current thread holds neither; returns
     * {@code 100 * read unlocks + write unlocks}.
     */
    @Operation
    public int unlockAll(int thread) {
        int reads = 0;
        while (lock.readSide().getHoldCount() > 0) {
            lock.readSide().unlock();
            reads++;
        }
        int writes = 0;
        while (lock.writeSide().getHoldCount() > 0) {
            lock.writeSide().unlock();
            writes++;
        }
        return 100 * reads + writes;
    }

    /**
     * The sequential specification: {@code ReentrantReadWriteLock} as a writer, its hold count
     * and each thread's read holds. An operation that would block (a read {@code lock()} while
     * another thread writes, a write {@code lock()} while another thread holds either side)
     * throws here, so no sequential order in which it ran at that point can match the concurrent
     * run.
     */
    public static final class ReentrantReadWriteLockModel {
        private int writer = -1;
        private int writeHolds;
        private final int[] readHolds = new int[4];

        /** As {@code readLock().lock()}; throws where it would block. */
        public void readLock(int thread) {
            if (!readTryLock(thread)) {
                throw new IllegalStateException("read lock() would block: written by thread " + writer);
            }
        }

        /** As {@code readLock().tryLock()}: refused only while another thread writes. */
        public boolean readTryLock(int thread) {
            if (writer != -1 && writer != thread) {
                return false;
            }
            readHolds[thread]++;
            return true;
        }

        /** As {@code readLock().unlock()}. */
        public void readUnlock(int thread) {
            if (readHolds[thread] == 0) {
                throw new IllegalMonitorStateException();
            }
            readHolds[thread]--;
        }

        /** As {@code writeLock().lock()}; throws where it would block (or, for a reader, dead-lock). */
        public void writeLock(int thread) {
            if (!writeTryLock(thread)) {
                throw new IllegalStateException("write lock() would block");
            }
        }

        /**
         * As {@code writeLock().tryLock()}: a re-entry of the writer, or a first hold while nobody
         * holds either side (a reader's own read holds refuse it too).
         */
        public boolean writeTryLock(int thread) {
            if (writer == thread) {
                writeHolds++;
                return true;
            }
            if (writer != -1) {
                return false;
            }
            for (int holds : readHolds) {
                if (holds > 0) {
                    return false;
                }
            }
            writer = thread;
            writeHolds = 1;
            return true;
        }

        /** As {@code writeLock().unlock()}. */
        public void writeUnlock(int thread) {
            if (writer != thread) {
                throw new IllegalMonitorStateException();
            }
            if (--writeHolds == 0) {
                writer = -1;
            }
        }

        /** As {@code getReadHoldCount()}. */
        public int getReadHoldCount(int thread) {
            return readHolds[thread];
        }

        /** As {@code getWriteHoldCount()}. */
        public int getWriteHoldCount(int thread) {
            return writer == thread ? writeHolds : 0;
        }

        /** As {@code isWriteLockedByCurrentThread()}. */
        public boolean isWriteLockedByCurrentThread(int thread) {
            return writer == thread;
        }

        /** Releases every hold of {@code thread} at once; returns {@code 100 * read holds + write holds}. */
        public int unlockAll(int thread) {
            int reads = readHolds[thread];
            int writes = getWriteHoldCount(thread);
            readHolds[thread] = 0;
            if (writes > 0) {
                writer = -1;
                writeHolds = 0;
            }
            return 100 * reads + writes;
        }
    }

    /** The scenarios under the model checker: their interleavings, switching at shared-memory accesses. */
    @Test
    void modelChecking() throws Exception {
        LincheckRuns.modelChecking(ReadWriteLockLinearizabilityTest.class, ReentrantReadWriteLockModel.class,
                InMemoryReadWriteBackend.class, MODEL_CHECKING_INVOCATIONS, scenarios(MODEL_CHECKED_RANDOM));
    }

    /** The scenarios on real threads, run over and over (what the JIT and the hardware reorder). */
    @Test
    void stress() throws Exception {
        LincheckRuns.stress(ReadWriteLockLinearizabilityTest.class, ReentrantReadWriteLockModel.class,
                STRESS_INVOCATIONS, scenarios(STRESSED_RANDOM));
    }

    /**
     * The written scenarios, then {@code random} generated ones (seeded): 2 or 3 threads, each
     * running 2 to 5 random operations, then {@code unlockAll}; once a thread may hold a read
     * lock, its write acquisitions are {@code tryLock()}s.
     */
    static List<ExecutionScenario> scenarios(int random) {
        List<ExecutionScenario> all = new ArrayList<>();
        // readers side by side: each one's hold count is its own, an inner unlock keeps the lock,
        // a reader cannot take the write lock
        all.add(scenario(List.of("readLock", "readLock", "readUnlock", "getReadHoldCount", "unlockAll"),
                List.of("readTryLock", "getReadHoldCount", "writeTryLock", "unlockAll")));
        // a downgrade: the writer reads, lets the write lock go and keeps reading; a write holder
        // that reads may re-enter the write lock
        all.add(scenario(List.of("writeLock", "readLock", "writeTryLock", "writeUnlock", "writeUnlock",
                        "getWriteHoldCount", "getReadHoldCount", "unlockAll"),
                List.of("readTryLock", "writeTryLock", "isWriteLockedByCurrentThread", "unlockAll")));
        // writers against readers, blocking; unlocks of what the thread does not hold
        all.add(scenario(List.of("readLock", "writeUnlock", "getReadHoldCount", "unlockAll"),
                List.of("writeLock", "readUnlock", "isWriteLockedByCurrentThread", "readLock", "unlockAll"),
                List.of("readTryLock", "readUnlock", "writeTryLock", "unlockAll")));
        String[] ops = {"readLock", "readTryLock", "readUnlock", "writeLock", "writeLock", "writeTryLock",
                "writeUnlock", "getReadHoldCount", "getWriteHoldCount", "isWriteLockedByCurrentThread"};
        Random rnd = new Random(SEED);
        for (int i = 0; i < random; i++) {
            List<List<String>> threads = new ArrayList<>();
            for (int t = 2 + rnd.nextInt(2); t > 0; t--) {
                List<String> thread = new ArrayList<>();
                boolean mayRead = false;
                for (int k = 2 + rnd.nextInt(4); k > 0; k--) {
                    String op = ops[rnd.nextInt(ops.length)];
                    if (op.equals("writeLock") && mayRead) {
                        op = "writeTryLock";
                    }
                    mayRead |= op.startsWith("readLock") || op.equals("readTryLock");
                    thread.add(op);
                }
                thread.add("unlockAll");
                threads.add(thread);
            }
            all.add(scenario(threads.toArray(List[]::new)));
        }
        return all;
    }

    /**
     * A scenario of these threads' operations, run in parallel; each thread ends with
     * {@code unlockAll} and never asks for the write lock with {@code lock()} after a read
     * acquisition.
     */
    @SafeVarargs
    private static ExecutionScenario scenario(List<String>... threads) {
        for (List<String> thread : threads) {
            int firstRead = Math.min(indexOr(thread, "readLock"), indexOr(thread, "readTryLock"));
            if (thread.lastIndexOf("writeLock") > firstRead) {
                throw new IllegalArgumentException("a thread that may hold a read lock waits for itself in writeLock");
            }
        }
        return LincheckRuns.scenario(ReadWriteLockLinearizabilityTest.class, List.of(threads));
    }

    /** The first index of {@code operation} in {@code thread}, or its size if absent. */
    private static int indexOr(List<String> thread, String operation) {
        int i = thread.indexOf(operation);
        return i < 0 ? thread.size() : i;
    }
}
