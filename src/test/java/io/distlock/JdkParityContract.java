package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.distlock.testing.Holder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * Behaviours of the JDK's {@link ReentrantLock} that the distributed locks keep at the seam
 * between the JVM-local lock and the server, each checked against a {@code ReentrantLock} first
 * (same steps, same assertions) and then against the back end's lock, fair and non-fair. Mixed
 * into {@link DistributedLockContractTest}, so that every back end runs it.
 */
interface JdkParityContract {

    /** A factory, as one JVM would have. */
    DistributedLockFactory factoryHere();

    /** An independent factory, as another JVM would have. */
    DistributedLockFactory factoryElsewhere();

    /** A fresh lock name for the test. */
    String lockName();

    /** Whether the factories make fair locks. */
    boolean fairLocks();

    /**
     * A thread blocked in an untimed {@code lock()}, {@code lockInterruptibly()}, {@code await()}
     * or {@code awaitUninterruptibly()} is in {@link Thread.State#WAITING}, and one in a timed
     * {@code tryLock} or {@code awaitNanos} in {@link Thread.State#TIMED_WAITING}, as in the
     * JDK's lock: a waiting thread is not woken on a timer of its own.
     */
    @Test
    default void threadsInUntimedWaitsAreWaitingAsInTheJdkLock() throws Exception {
        ReentrantLock jdk = new ReentrantLock(fairLocks());
        assertWaitStates(jdk, jdk, jdk.newCondition());
        ReentrantLock lock = (ReentrantLock) factoryHere().getLock(lockName());
        assertWaitStates(lock, factoryElsewhere().getLock(lockName()), lock.newCondition());
    }

    /**
     * Blocks a thread in each kind of acquisition of {@code lock} while {@code held} (the same
     * lock, or the lock of the same name in another JVM) is held by another thread, then a thread
     * in each kind of await of {@code condition}, and checks the state of each.
     */
    private static void assertWaitStates(ReentrantLock lock, Lock held, Condition condition) throws Exception {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        try (Holder holder = Holder.hold(held)) {
            done.add(blocked(lock, "lock()", Thread.State.WAITING, () -> {
                lock.lock();
                lock.unlock();
            }));
            done.add(blocked(lock, "lockInterruptibly()", Thread.State.WAITING, () -> {
                lock.lockInterruptibly();
                lock.unlock();
            }));
            done.add(blocked(lock, "tryLock(60 s)", Thread.State.TIMED_WAITING, () -> {
                assertThat(lock.tryLock(60, TimeUnit.SECONDS)).isTrue();
                lock.unlock();
            }));
            assertThat(holder.release()).isNull();
        }
        for (CompletableFuture<Void> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        done.clear();
        List<Thread> awaiting = new ArrayList<>();
        done.add(awaiting(lock, condition, awaiting, condition::await));
        done.add(awaiting(lock, condition, awaiting, condition::awaitUninterruptibly));
        done.add(awaiting(lock, condition, awaiting, () -> condition.awaitNanos(TimeUnit.SECONDS.toNanos(60))));
        // all three are in await (the server counts them), then each one's state
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            lock.lock();
            try {
                return lock.getWaitQueueLength(condition) == 3;
            } finally {
                lock.unlock();
            }
        });
        Thread.State[] expected = {Thread.State.WAITING, Thread.State.WAITING, Thread.State.TIMED_WAITING};
        for (int i = 0; i < 3; i++) {
            awaitState(awaiting.get(i), expected[i], "await #" + i + " of " + lock);
        }
        lock.lock();
        try {
            condition.signalAll();
        } finally {
            lock.unlock();
        }
        for (CompletableFuture<Void> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * Conditions as the JDK keeps them: a thread in {@code await} is listed by
     * {@code getWaitingThreads} and counted by {@code hasWaiters} / {@code getWaitQueueLength}
     * from the moment the next holder has the lock; {@code signal()} wakes the thread that has
     * waited longest and, when it returns, that thread is no longer listed as waiting and is
     * queued for the lock; {@code signalAll()} does the same for every waiter.
     */
    @Test
    default void signalTransfersTheLongestWaiterToTheLockQueueAsInTheJdkLock() throws Exception {
        JdkLock jdk = new JdkLock(fairLocks());
        assertSignalTransfers(jdk, jdk.newCondition(), false);
        ReentrantLock lock = (ReentrantLock) factoryHere().getLock(lockName());
        // a fair lock's waiters queue on the server first: the JDK's final queue methods do not
        // see them yet, getQueuedThreads() does
        assertSignalTransfers(lock, lock.newCondition(), fairLocks());
    }

    private static void assertSignalTransfers(ReentrantLock lock, Condition c, boolean serverQueued) throws Exception {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            java.util.concurrent.CountDownLatch awaiting = new java.util.concurrent.CountDownLatch(1);
            done.add(awaiting(lock, c, threads, () -> {
                awaiting.countDown();
                c.await();
            }));
            assertThat(awaiting.await(30, TimeUnit.SECONDS)).isTrue();
            // this thread gets the lock once the waiter gave it up in await: it sees the waiter
            lock.lock();
            try {
                assertThat(lock.hasWaiters(c)).as("hasWaiters of " + lock).isTrue();
                assertThat(lock.getWaitQueueLength(c)).as("getWaitQueueLength of " + lock).isEqualTo(i + 1);
                assertThat(waitingThreads(lock, c)).as("getWaitingThreads of " + lock)
                        .containsExactlyInAnyOrderElementsOf(threads);
            } finally {
                lock.unlock();
            }
        }
        Thread first = threads.get(0);
        Thread second = threads.get(1);
        lock.lock();
        try {
            c.signal();
            assertThat(waitingThreads(lock, c)).as("waiting after signal() of " + lock).containsExactly(second);
            assertThat(queued(lock, first, serverQueued)).as("the longest waiter is queued for " + lock).isTrue();
            assertThat(lock.getWaitQueueLength(c)).isEqualTo(1);
            c.signalAll();
            assertThat(waitingThreads(lock, c)).as("waiting after signalAll() of " + lock).isEmpty();
            assertThat(queued(lock, second, serverQueued)).as("the other waiter is queued for " + lock).isTrue();
            assertThat(lock.hasWaiters(c)).isFalse();
        } finally {
            lock.unlock();
        }
        for (CompletableFuture<Void> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    /** The JDK's lock, with its protected inspection methods opened to the test. */
    final class JdkLock extends ReentrantLock {
        private static final long serialVersionUID = 1L;

        JdkLock(boolean fair) {
            super(fair);
        }

        @Override
        public java.util.Collection<Thread> getWaitingThreads(Condition condition) {
            return super.getWaitingThreads(condition);
        }

        @Override
        public java.util.Collection<Thread> getQueuedThreads() {
            return super.getQueuedThreads();
        }
    }

    private static java.util.Collection<Thread> waitingThreads(ReentrantLock lock, Condition c) {
        return lock instanceof JdkLock ? ((JdkLock) lock).getWaitingThreads(c)
                : ((DistributedReentrantLock) lock).getWaitingThreads(c);
    }

    /** Whether {@code t} is queued for {@code lock}: the JDK's final method, or the server's queue. */
    private static boolean queued(ReentrantLock lock, Thread t, boolean serverQueued) {
        return serverQueued ? ((DistributedReentrantLock) lock).getQueuedThreads().contains(t)
                : lock.hasQueuedThread(t);
    }

    /** A body that may throw. */
    interface Step {
        void run() throws Exception;
    }

    /** Starts {@code body} on a new thread and waits until that thread is in {@code state}. */
    private static CompletableFuture<Void> blocked(Lock lock, String what, Thread.State state, Step body) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = start(body, done);
        awaitState(t, state, what + " of " + lock);
        return done;
    }

    /** Starts a thread that takes {@code lock} and runs {@code await} on {@code condition}. */
    private static CompletableFuture<Void> awaiting(Lock lock, Condition condition, List<Thread> threads, Step await) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        threads.add(start(() -> {
            lock.lock();
            try {
                await.run();
            } finally {
                lock.unlock();
            }
        }, done));
        return done;
    }

    private static Thread start(Step body, CompletableFuture<Void> done) {
        Thread t = new Thread(() -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "parity-waiter");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void awaitState(Thread t, Thread.State state, String what) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
                .alias("a thread in " + what + " is " + state).until(t::getState, s -> s == state);
    }
}
