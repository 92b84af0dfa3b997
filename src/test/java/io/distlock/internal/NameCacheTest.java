package io.distlock.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NameCacheTest {

    private final AtomicInteger derived = new AtomicInteger();
    private final NameCache<String> cache = new NameCache<>(name -> {
        derived.incrementAndGet();
        return "key:" + name;
    });

    @Test
    void aNameAskedForAgainIsNotDerivedAgain() {
        assertThat(cache.get("orders")).isEqualTo("key:orders");
        assertThat(cache.get(new String("orders"))).isEqualTo("key:orders");
        assertThat(derived).hasValue(1);
    }

    @Test
    void twoNamesOfOneSlotEachGetTheirOwnValue() {
        List<String> sameSlot = namesOfOneSlot(2);
        for (int i = 0; i < 10; i++) {
            for (String name : sameSlot) {
                assertThat(cache.get(name)).isEqualTo("key:" + name);
            }
        }
        // they take the slot from each other: derived on every call
        assertThat(derived).hasValue(20);
    }

    @Test
    void aNameIsNotKeptOnceOthersHaveTakenItsSlot() {
        String early = new String("early-name");
        java.lang.ref.WeakReference<String> ref = new java.lang.ref.WeakReference<>(early);
        cache.get(early);
        early = null;
        for (int i = 0; i < 1_000_000; i++) {
            assertThat(cache.get("name-" + i)).isEqualTo("key:name-" + i);
        }
        // bounded: a million names later the cache no longer holds the first one
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
            System.gc();
            return ref.get() == null;
        });
    }

    @Test
    void threadsRacingOnSharedNamesAlwaysReadTheirNamesValue() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    start.await();
                    int wrong = 0;
                    for (int i = 0; i < 200_000; i++) {
                        String name = "n" + ((i * 31 + seed) % 2_000);
                        if (!cache.get(name).equals("key:" + name)) {
                            wrong++;
                        }
                    }
                    return wrong;
                }));
            }
            start.countDown();
            for (Future<Integer> r : results) {
                assertThat(r.get(60, TimeUnit.SECONDS)).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code n} distinct names that fall into the same slot. */
    private static List<String> namesOfOneSlot(int n) {
        List<String> names = new ArrayList<>();
        int slot = -1;
        for (int i = 0; names.size() < n; i++) {
            String name = "lock-" + i;
            int h = name.hashCode();
            int s = (h ^ (h >>> 16)) & (NameCache.SLOTS - 1);
            if (slot < 0) {
                slot = s;
            }
            if (s == slot) {
                names.add(name);
            }
        }
        return names;
    }
}
