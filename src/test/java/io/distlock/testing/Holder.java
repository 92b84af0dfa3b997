package io.distlock.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;

/**
 * A thread that takes a lock, holds it until told to let go, and reports what happened.
 * Every wait is bounded.
 */
public final class Holder implements AutoCloseable {

    private final CountDownLatch acquired = new CountDownLatch(1);
    private final CountDownLatch letGo = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong fencingToken = new AtomicLong(-1);
    /** System.nanoTime() when the lock was acquired. */
    private volatile long acquiredAt;
    private final Thread thread;

    private Holder(Lock lock, String threadName) {
        thread = new Thread(() -> {
            try {
                lock.lock();
                acquiredAt = System.nanoTime();
                if (lock instanceof io.distlock.DistributedLock) {
                    fencingToken.set(((io.distlock.DistributedLock) lock).getFencingToken());
                }
                acquired.countDown();
                try {
                    if (!letGo.await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("holder was never told to let go");
                    }
                } finally {
                    lock.unlock();
                }
            } catch (Throwable t) {
                failure.set(t);
                acquired.countDown();
            }
        }, threadName);
        thread.setDaemon(true);
    }

    /** Starts a holder and waits until it holds the lock. */
    public static Holder hold(Lock lock) {
        Holder h = start(lock, "holder-" + System.nanoTime());
        h.awaitAcquired(30);
        return h;
    }

    /**
     * Starts a holder without waiting for it: it waits in {@code lock()} while someone else
     * holds the lock ({@link #thread()} to see it parked, {@link #awaitAcquired} for the rest).
     */
    public static Holder start(Lock lock, String threadName) {
        Holder h = new Holder(lock, threadName);
        h.thread.start();
        return h;
    }

    /**
     * Waits up to {@code seconds} until the holder holds the lock.
     *
     * @return System.nanoTime() at which its {@code lock()} returned
     */
    public long awaitAcquired(long seconds) {
        try {
            if (!acquired.await(seconds, TimeUnit.SECONDS)) {
                throw new AssertionError("holder did not acquire within " + seconds + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (failure.get() != null) {
            throw new AssertionError("holder failed to acquire", failure.get());
        }
        return acquiredAt;
    }

    /** The fencing token the holder got. */
    public long fencingToken() {
        return fencingToken.get();
    }

    /** The holder's thread. */
    public Thread thread() {
        return thread;
    }

    /** Lets go of the lock and waits for the unlock; returns what unlock threw, if anything. */
    public Throwable release() {
        letGo.countDown();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new AssertionError("holder did not finish unlocking within 30 s");
        }
        return failure.get();
    }

    @Override
    public void close() {
        if (thread.isAlive()) {
            release();
        }
    }
}
