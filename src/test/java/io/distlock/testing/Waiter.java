package io.distlock.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/** A thread that waits for a lock, takes it and gives it back. */
public final class Waiter {

    private Waiter() {
    }

    /**
     * Starts {@code tryLock(seconds)} on {@code lock} on another thread, unlocking at once if it
     * got the lock; the future tells whether it did.
     */
    public static CompletableFuture<Boolean> takeAndRelease(Lock lock, long seconds) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                boolean got = lock.tryLock(seconds, TimeUnit.SECONDS);
                if (got) {
                    lock.unlock();
                }
                return got;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * As {@link #takeAndRelease}, on a thread of its own, and returns once that thread waits
     * ({@link #awaitParked}): the attempt has found the lock held and waits for it (queued on the
     * server, for a fair lock).
     */
    public static CompletableFuture<Boolean> takeAndReleaseOnceWaiting(Lock lock, long seconds) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                boolean got = lock.tryLock(seconds, TimeUnit.SECONDS);
                if (got) {
                    lock.unlock();
                }
                result.complete(got);
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "take-and-release");
        t.setDaemon(true);
        t.start();
        awaitParked(t);
        return result;
    }

    /**
     * Waits (at most 20 s) until thread {@code t} is parked or blocked rather than running: a
     * thread that asked for a lock is then waiting for it (for the server's notification, its
     * turn or the local lock), not still on its way. Fails if {@code t} ends first.
     */
    public static void awaitParked(Thread t) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(5)).until(() -> {
                    Thread.State state = t.getState();
                    if (state == Thread.State.TERMINATED) {
                        throw new AssertionError(t.getName() + " ended instead of waiting");
                    }
                    return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING
                            || state == Thread.State.BLOCKED;
                });
    }

    /**
     * Interrupts {@code t}, which waits for a lock or in {@code awaitUninterruptibly()}, and
     * waits (at most 20 s) until it has taken the interrupt in and waits again: its interrupt
     * status cleared (a wait that goes on after an interrupt clears it before parking again,
     * remembering it for its return) and the thread parked ({@link #awaitParked}). A wait that
     * ended on the interrupt instead is then over, or still running without having cleared it.
     */
    public static void interruptAndAwaitWaitingAgain(Thread t) {
        t.interrupt();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(5)).until(() -> !t.isInterrupted());
        awaitParked(t);
    }

    /**
     * Clean-ups a factory has handed to its background cleaner and the server has not yet
     * confirmed (read from the factory's engine, which no public type exposes).
     */
    public static long pendingCleanups(io.distlock.AbstractDistributedLockFactory<?, ?> factory) {
        try {
            java.lang.reflect.Field f = io.distlock.AbstractDistributedLockFactory.class.getDeclaredField("engine");
            f.setAccessible(true);
            return ((io.distlock.internal.LockEngine) f.get(factory)).pendingCleanups();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
