package io.distlock.internal;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Lock;

/**
 * The small thread helpers the engine and the back ends share: daemon thread factories, and
 * bounded waits that an interrupt does not abort (the engine owns interrupts: a wait for the
 * server is never cut short by one, and the interrupt status is kept for the caller).
 */
public final class Threads {

    private Threads() {
    }

    /**
     * A factory of daemon threads named {@code name}.
     *
     * @param name the threads' name
     * @return the factory
     */
    public static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Waits for {@code f} until {@code deadline} ({@link System#nanoTime()}), ignoring interrupts
     * but keeping the interrupt status.
     *
     * @param f the future
     * @param deadline when to stop waiting
     * @param <T> the result type
     * @return the result
     * @throws ExecutionException if the computation failed
     * @throws TimeoutException if the deadline passed first
     */
    public static <T> T getUninterruptibly(Future<T> f, long deadline) throws ExecutionException, TimeoutException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get(Math.max(deadline - System.nanoTime(), 0L), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Takes {@code lock} if it can before {@code deadline}, ignoring interrupts but keeping the
     * interrupt status.
     *
     * @param lock the lock
     * @param deadline when to stop waiting ({@link System#nanoTime()})
     * @return whether the lock was taken
     */
    public static boolean tryLockUninterruptibly(Lock lock, long deadline) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return lock.tryLock(Math.max(deadline - System.nanoTime(), 0L), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
