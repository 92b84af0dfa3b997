package io.distlock.internal;

import io.distlock.spi.AcquireResult;
import io.distlock.spi.ConditionBackend;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.LockBackend;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A lease store in memory, for checking the engine where a network would be far too slow (the
 * Lincheck test here, the JCStress tests of the {@code jcstress} build, which uses this class
 * through the library's test jar). It keeps the SPI's contract: create-if-absent,
 * compare-and-delete and compare-and-extend, each one atomic step with its ownership check;
 * leases that run out at their time to live (an expired lease owns nothing: it is neither
 * released nor renewed, and the next acquisition takes the name); release announcements to
 * watchers; and the condition steps, with waiter records that expire unless refreshed. It never
 * stands in for Redis or etcd in the tests of those back ends.
 *
 * <pre>
 * Time is read from a nanosecond clock given at construction (System.nanoTime by default), so a
 * test can run leases out by setting the time. Leases live in one map, changed only through its
 * atomic per-key compute; a condition's queue is guarded by its own monitor, inside which its
 * steps change the lease map (never the other way round), so a signaller's ownership check and
 * an await's queue-and-release are each one step.
 * </pre>
 */
final class InMemoryBackend implements LockBackend {

    /** A lease on the store: its owner's token, fencing token and expiry on the store's clock. */
    private record Held(String token, long fence, long expiresAt) {
        boolean liveAt(long now) {
            return expiresAt - now > 0;
        }

        long remainingMillis(long now) {
            return Math.max(TimeUnit.NANOSECONDS.toMillis(expiresAt - now), 0L);
        }
    }

    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Held> leases = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, List<Runnable>> watchers = new ConcurrentHashMap<>();
    /** Waiter records by "lock/condition": waiter id to expiry, oldest first; each queue's own monitor. */
    private final ConcurrentHashMap<String, LinkedHashMap<String, Long>> queues = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Runnable> signalWatchers = new ConcurrentHashMap<>();
    private final AtomicLong fences = new AtomicLong();

    /** A store on the JVM's monotonic clock. */
    InMemoryBackend() {
        this(System::nanoTime);
    }

    /** A store whose leases and waiter records run out on {@code nanoClock}. */
    InMemoryBackend(LongSupplier nanoClock) {
        this.clock = nanoClock;
    }

    /** The live lease of {@code name}, or null. */
    private Held live(String name) {
        Held h = leases.get(name);
        return h != null && h.liveAt(clock.getAsLong()) ? h : null;
    }

    private static long expiry(long now, long leaseMillis) {
        return now + TimeUnit.MILLISECONDS.toNanos(leaseMillis);
    }

    @Override
    public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                    long timeoutNanos) {
        long now = clock.getAsLong();
        Held after = leases.compute(name, (n, h) -> h == null || !h.liveAt(now)
                ? new Held(token, fences.incrementAndGet(), expiry(now, leaseMillis))
                : h);
        return after.token().equals(token)
                ? AcquireResult.acquired(after.fence(), leaseMillis)
                : AcquireResult.busy(after.remainingMillis(now));
    }

    @Override
    public ReleaseResult release(String name, String token) {
        if (!removeIfOwned(name, token)) {
            return ReleaseResult.NOT_OWNED;
        }
        announce(name);
        return ReleaseResult.RELEASED;
    }

    /** Deletes the lease of {@code name} in one step if {@code token} owns it and it is live. */
    private boolean removeIfOwned(String name, String token) {
        long now = clock.getAsLong();
        boolean[] removed = new boolean[1];
        leases.computeIfPresent(name, (n, h) -> {
            removed[0] = h.token().equals(token) && h.liveAt(now);
            return removed[0] ? null : h;
        });
        return removed[0];
    }

    /** Forgets the lease of {@code name}, as a server restart or a forced release would. */
    void forget(String name) {
        if (leases.remove(name) != null) {
            announce(name);
        }
    }

    private void announce(String name) {
        List<Runnable> list = watchers.get(name);
        if (list != null) {
            list.forEach(Runnable::run);
        }
    }

    @Override
    public long renew(String name, String token, long leaseMillis) {
        long now = clock.getAsLong();
        Held after = leases.computeIfPresent(name, (n, h) -> h.token().equals(token) && h.liveAt(now)
                ? new Held(token, h.fence(), expiry(now, leaseMillis))
                : h);
        return after != null && after.token().equals(token) && after.liveAt(now) ? leaseMillis : -1;
    }

    @Override
    public LeaseSnapshot inspect(String name) {
        Held h = live(name);
        return h == null ? LeaseSnapshot.free() : LeaseSnapshot.held(h.remainingMillis(clock.getAsLong()), h.fence());
    }

    @Override
    public boolean isLocked(String name) {
        return live(name) != null;
    }

    @Override
    public ReleaseWatch watch(String name, String token, Runnable onRelease) {
        watchers.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(onRelease);
        return new ReleaseWatch() {
            @Override
            public boolean isActive() {
                return true;
            }

            @Override
            public void close() {
                List<Runnable> list = watchers.get(name);
                if (list != null) {
                    list.remove(onRelease);
                }
            }
        };
    }

    private LinkedHashMap<String, Long> queue(String name, String condition) {
        return queues.computeIfAbsent(name + "/" + condition, k -> new LinkedHashMap<>());
    }

    /** Drops the records of {@code q} that ran out; the caller holds {@code q}'s monitor. */
    private void dropExpired(LinkedHashMap<String, Long> q) {
        long now = clock.getAsLong();
        q.values().removeIf(expiresAt -> expiresAt - now <= 0);
    }

    /** Live waiter records on a lock's condition (for the JCStress arbiters). */
    int waiterRecords(String name, String condition) {
        LinkedHashMap<String, Long> q = queue(name, condition);
        synchronized (q) {
            dropExpired(q);
            return q.size();
        }
    }

    private final ConditionBackend conditions = new ConditionBackend() {
        @Override
        public boolean enqueueAndRelease(String name, String token, String condition, String waiter,
                                         long aliveMillis) {
            LinkedHashMap<String, Long> q = queue(name, condition);
            synchronized (q) {
                dropExpired(q);
                if (q.containsKey(waiter)) {
                    return true;
                }
                // the ownership check, the queueing and the release in one step: a signaller must
                // own the lock, and it cannot signal before this block ends
                if (!removeIfOwned(name, token)) {
                    return false;
                }
                q.put(waiter, expiry(clock.getAsLong(), aliveMillis));
            }
            announce(name);
            return true;
        }

        @Override
        public List<String> signal(String name, String token, String condition, int count) {
            LinkedHashMap<String, Long> q = queue(name, condition);
            List<String> woken = new ArrayList<>();
            synchronized (q) {
                Held h = live(name);
                if (h == null || !h.token().equals(token)) {
                    return null;
                }
                dropExpired(q);
                Iterator<Map.Entry<String, Long>> it = q.entrySet().iterator();
                while (it.hasNext() && woken.size() < count) {
                    woken.add(it.next().getKey());
                    it.remove();
                }
            }
            for (String w : woken) {
                Runnable r = signalWatchers.get(w);
                if (r != null) {
                    r.run();
                }
            }
            return woken;
        }

        @Override
        public boolean withdraw(String name, String condition, String waiter) {
            LinkedHashMap<String, Long> q = queue(name, condition);
            synchronized (q) {
                dropExpired(q);
                return q.remove(waiter) != null;
            }
        }

        @Override
        public boolean keepWaiting(String name, String condition, String waiter, long aliveMillis) {
            LinkedHashMap<String, Long> q = queue(name, condition);
            synchronized (q) {
                dropExpired(q);
                return q.computeIfPresent(waiter, (w, e) -> expiry(clock.getAsLong(), aliveMillis)) != null;
            }
        }

        @Override
        public int waiters(String name, String condition) {
            return waiterRecords(name, condition);
        }

        @Override
        public ReleaseWatch watchSignal(String name, String condition, String waiter, Runnable onSignal) {
            signalWatchers.put(waiter, onSignal);
            return new ReleaseWatch() {
                @Override
                public boolean isActive() {
                    return true;
                }

                @Override
                public void close() {
                    signalWatchers.remove(waiter);
                }
            };
        }
    };

    @Override
    public ConditionBackend conditions() {
        return conditions;
    }

    @Override
    public String describe() {
        return "in memory";
    }

    @Override
    public void close() {
    }
}
