package io.distlock.internal;

import io.distlock.LockOptions;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the stress tests share: one in-memory store and two engines over it (two "JVMs"), made
 * once, and fresh lock names so that every test instance starts from a free lock.
 */
final class Stress {

    static final InMemoryBackend BACKEND = new InMemoryBackend();
    static final LockEngine JVM_A = new LockEngine(BACKEND, LockOptions.defaults(), null, "stress-a");
    static final LockEngine JVM_B = new LockEngine(BACKEND, LockOptions.defaults(), null, "stress-b");
    private static final AtomicLong NAMES = new AtomicLong();

    private Stress() {
    }

    static String freshName() {
        return "n" + NAMES.incrementAndGet();
    }

    /**
     * One {@code tryLock()}: 0 if refused, else how many holders were inside at once (itself
     * included) before it unlocked again.
     */
    static int attempt(LockSync sync, java.util.concurrent.atomic.AtomicInteger inside) {
        if (!sync.tryLock()) {
            return 0;
        }
        int seen = inside.incrementAndGet();
        inside.decrementAndGet();
        sync.unlock();
        return seen;
    }
}
