package io.distlock.testing;

import io.distlock.LeaseLostException;
import io.distlock.LockBackendException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/** Faults injected around one call: the server frozen just after a request left. */
public final class Freeze {

    private Freeze() {
    }

    /**
     * Starts {@code tryLock(200 ms)} (and, if it got the lock, {@code unlock()}) on a pool thread,
     * freezes the server {@code delayMillis} later for 3 s (longer than the tests' 2 s client
     * timeout, so the request outlives the client's wait), resumes it, and returns the call's
     * outcome: {@code true}/{@code false}, or the {@link LockBackendException} it threw, or the
     * {@link LeaseLostException} of an unlock whose retry found the lease gone (an acquisition
     * that got the lock before the freeze meets the frozen server when it unlocks; that
     * ambiguity is documented in docs/design.md).
     */
    public static Object aroundTimedTryLock(ExecutorService pool, Lock lock, int delayMillis, Runnable pause,
                                            Runnable resume) throws Exception {
        Future<Object> attempt = pool.submit(() -> {
            try {
                boolean got = lock.tryLock(200, TimeUnit.MILLISECONDS);
                if (got) {
                    lock.unlock();
                }
                return got;
            } catch (LockBackendException | LeaseLostException e) {
                return e;
            }
        });
        Thread.sleep(delayMillis);
        pause.run();
        try {
            Thread.sleep(3_000);
        } finally {
            resume.run();
        }
        return attempt.get(60, TimeUnit.SECONDS);
    }
}
