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
    private final Thread thread;

    private Holder(Lock lock, String threadName) {
        thread = new Thread(() -> {
            try {
                lock.lock();
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
        Holder h = new Holder(lock, "holder-" + System.nanoTime());
        h.thread.start();
        try {
            if (!h.acquired.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("holder did not acquire within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (h.failure.get() != null) {
            throw new AssertionError("holder failed to acquire", h.failure.get());
        }
        return h;
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
