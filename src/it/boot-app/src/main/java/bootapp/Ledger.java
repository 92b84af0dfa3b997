package bootapp;

import io.distlock.DistributedLockFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.integration.support.locks.RenewableLockRegistry;
import org.springframework.stereotype.Service;

/** Application code: takes the "ledger" lock from the injected factory, and through Spring Integration. */
@Service
public class Ledger {

    private final DistributedLockFactory locks;
    private final RenewableLockRegistry<DistributedLock> registry;
    private long entries;

    public Ledger(DistributedLockFactory locks, RenewableLockRegistry<DistributedLock> registry) {
        this.locks = locks;
        this.registry = registry;
    }

    /** Adds an entry under the distributed lock, held for about {@code holdMillis}. */
    public long post(long holdMillis) throws InterruptedException {
        Lock lock = locks.getLock("ledger");
        lock.lock();
        try {
            TimeUnit.MILLISECONDS.sleep(holdMillis);
            return ++entries;
        } finally {
            lock.unlock();
        }
    }

    /** The same lock, as Spring Integration code takes it. */
    public long postThroughRegistry() throws InterruptedException {
        Lock lock = registry.obtain("ledger");
        if (!lock.tryLock(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("ledger busy");
        }
        try {
            return ++entries;
        } finally {
            lock.unlock();
        }
    }
}
