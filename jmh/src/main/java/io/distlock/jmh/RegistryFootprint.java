package io.distlock.jmh;

import io.distlock.DistributedLock;
import io.distlock.redis.RedisLockFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Locks and unlocks N distinct names once each (default a million, 8 threads) on Redis and
 * reports the local registry's size and the heap retained afterwards, after garbage collection.
 * Run: {@code java -Ddistlock.redis=host:port -cp target/benchmarks.jar io.distlock.jmh.RegistryFootprint [N]}.
 */
public final class RegistryFootprint {

    private RegistryFootprint() {
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    public static void main(String[] args) throws Exception {
        int names = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int threads = 8;
        try (RedisLockFactory locks = Candidates.redisLockFactory()
                .keyPrefix("footprint-" + System.nanoTime() + ":")
                .fencingRetention(java.time.Duration.ofMinutes(1))
                .build()) {
            long before = usedHeapAfterGc();
            AtomicLong next = new AtomicLong();
            long maxRegistry = 0;
            long start = System.nanoTime();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> {
                    for (long i; (i = next.getAndIncrement()) < names; ) {
                        DistributedLock lock = locks.getLock("name-" + i);
                        lock.lock();
                        lock.unlock();
                    }
                });
                workers.add(w);
                w.start();
            }
            while (workers.stream().anyMatch(Thread::isAlive)) {
                maxRegistry = Math.max(maxRegistry, locks.localRegistrySize());
                Thread.sleep(200);
            }
            for (Thread w : workers) {
                w.join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long after = usedHeapAfterGc();
            System.out.printf("names locked once: %d in %.1f s (%d threads)%n", names, seconds, threads);
            System.out.printf("largest registry seen while running: %d entries%n", maxRegistry);
            System.out.printf("registry after GC: %d entries%n", locks.localRegistrySize());
            System.out.printf("heap retained: %.1f MiB before, %.1f MiB after (difference %.1f MiB)%n",
                    before / 1048576.0, after / 1048576.0, (after - before) / 1048576.0);
        }
        TimeUnit.MILLISECONDS.sleep(10);
    }
}
