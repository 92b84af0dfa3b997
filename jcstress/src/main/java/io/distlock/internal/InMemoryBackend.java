package io.distlock.internal;

import io.distlock.spi.AcquireResult;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.LockBackend;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lease store in memory, for stressing the engine where a network would be far too slow. It
 * keeps the SPI's contract (create-if-absent, compare-and-delete, compare-and-extend, release
 * announcements, and the condition steps, each atomic with its ownership check); it never
 * stands in for Redis or etcd in the library's tests.
 */
final class InMemoryBackend implements LockBackend {

    private final ConcurrentHashMap<String, String> owners = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, List<Runnable>> watchers = new ConcurrentHashMap<>();
    private final AtomicLong fences = new AtomicLong();

    @Override
    public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                    long timeoutNanos) {
        return owners.putIfAbsent(name, token) == null
                ? AcquireResult.acquired(fences.incrementAndGet(), leaseMillis)
                : AcquireResult.busy(leaseMillis);
    }

    @Override
    public ReleaseResult release(String name, String token) {
        if (!owners.remove(name, token)) {
            return ReleaseResult.NOT_OWNED;
        }
        announce(name);
        return ReleaseResult.RELEASED;
    }

    /** Forgets the lease of {@code name}, as an expiry or a server restart would. */
    void forget(String name) {
        if (owners.remove(name) != null) {
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
        return token.equals(owners.get(name)) ? leaseMillis : -1;
    }

    @Override
    public LeaseSnapshot inspect(String name) {
        return owners.containsKey(name) ? LeaseSnapshot.held(-1, 0) : LeaseSnapshot.free();
    }

    @Override
    public boolean isLocked(String name) {
        return owners.containsKey(name);
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

    /** Waiter queues by lock name and condition; each guarded by its own monitor (no I/O here). */
    private final ConcurrentHashMap<String, java.util.LinkedHashSet<String>> queues = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Runnable> signalWatchers = new ConcurrentHashMap<>();

    private java.util.LinkedHashSet<String> queue(String name, String condition) {
        return queues.computeIfAbsent(name + "/" + condition, k -> new java.util.LinkedHashSet<>());
    }

    /** Waiter records left on a lock's condition (for the arbiters). */
    int waiterRecords(String name, String condition) {
        java.util.LinkedHashSet<String> q = queue(name, condition);
        synchronized (q) {
            return q.size();
        }
    }

    private final io.distlock.spi.ConditionBackend conditions = new io.distlock.spi.ConditionBackend() {
        @Override
        public boolean enqueueAndRelease(String name, String token, String condition, String waiter,
                                         long aliveMillis) {
            java.util.LinkedHashSet<String> q = queue(name, condition);
            synchronized (q) {
                if (q.contains(waiter)) {
                    return true;
                }
                // the ownership check, the queueing and the release in one step: a signaller must
                // own the lock, and it cannot signal before this block ends
                if (!owners.remove(name, token)) {
                    return false;
                }
                q.add(waiter);
            }
            announce(name);
            return true;
        }

        @Override
        public List<String> signal(String name, String token, String condition, int count) {
            java.util.LinkedHashSet<String> q = queue(name, condition);
            List<String> woken = new java.util.ArrayList<>();
            synchronized (q) {
                if (!token.equals(owners.get(name))) {
                    return null;
                }
                java.util.Iterator<String> it = q.iterator();
                while (it.hasNext() && woken.size() < count) {
                    woken.add(it.next());
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
            java.util.LinkedHashSet<String> q = queue(name, condition);
            synchronized (q) {
                return q.remove(waiter);
            }
        }

        @Override
        public boolean keepWaiting(String name, String condition, String waiter, long aliveMillis) {
            java.util.LinkedHashSet<String> q = queue(name, condition);
            synchronized (q) {
                return q.contains(waiter);
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
    public io.distlock.spi.ConditionBackend conditions() {
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
