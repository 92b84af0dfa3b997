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
 * announcements); it never stands in for Redis or etcd in the library's tests.
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

    @Override
    public String describe() {
        return "in memory";
    }

    @Override
    public void close() {
    }
}
