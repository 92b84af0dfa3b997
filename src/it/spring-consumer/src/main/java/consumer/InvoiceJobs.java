package consumer;

import java.time.Duration;
import java.util.Objects;
import java.util.function.IntConsumer;
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.integration.support.locks.RenewableLockRegistry;

/**
 * One node's invoice jobs, typed the Spring Integration 7 way and nothing else: a
 * {@link RenewableLockRegistry} of Spring's {@link DistributedLock}, whichever bean provides it
 * (Spring's {@code RedisLockRegistry} or any other registry of that type). Every number is issued
 * under the series' lock, taken with a time to live in each of Spring's ways: {@code lock(ttl)},
 * {@code tryLock(waitTime, ttl)} and the registry's {@code executeLocked}. The month-end close
 * holds the lock for longer than its time to live and renews it between steps with
 * {@code renewLock(key, ttl)}.
 *
 * <p>Thread-safe: each job is one thread's.
 */
public final class InvoiceJobs {

    /** The lock key of the invoice series. */
    public static final String SERIES = "invoice-series-2026";

    /** The time to live of a hold that issues a number. */
    public static final Duration TTL = Duration.ofSeconds(30);

    /** How long {@link #tryIssue()} waits for the lock before giving up. */
    public static final Duration WAIT = Duration.ofSeconds(30);

    private final String node;
    private final RenewableLockRegistry<DistributedLock> registry;
    private final InvoiceLedger ledger;

    /**
     * Creates the jobs of one node.
     *
     * @param node the node's name, for messages
     * @param registry the node's lock registry
     * @param ledger the store the numbers are issued in, shared by every node
     */
    public InvoiceJobs(String node, RenewableLockRegistry<DistributedLock> registry, InvoiceLedger ledger) {
        this.node = Objects.requireNonNull(node, "node");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
    }

    /**
     * Issues the next invoice number under {@code lock(TTL)}.
     *
     * @return the number issued
     */
    public long issue() {
        DistributedLock lock = registry.obtain(SERIES);
        lock.lock(TTL);
        try {
            return ledger.issueNext();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Issues the next invoice number under {@code tryLock(WAIT, TTL)}.
     *
     * @return the number issued
     * @throws IllegalStateException if the lock could not be had within {@link #WAIT}
     * @throws InterruptedException if interrupted while waiting
     */
    public long tryIssue() throws InterruptedException {
        DistributedLock lock = registry.obtain(SERIES);
        if (!lock.tryLock(WAIT, TTL)) {
            throw new IllegalStateException(node + ": the invoice series stayed locked for " + WAIT);
        }
        try {
            return ledger.issueNext();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Issues the next invoice number through the registry's {@code executeLocked}.
     *
     * @return the number issued
     * @throws InterruptedException if interrupted while waiting for the lock
     */
    public long issueLocked() throws InterruptedException {
        return registry.executeLocked(SERIES, ledger::issueNext);
    }

    /**
     * Tries to take the series' lock for {@code waitTime} (with Spring's
     * {@code tryLock(waitTime, TTL)}) and gives it back at once if it got it.
     *
     * @param waitTime how long to wait
     * @return whether the lock was free within {@code waitTime}
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean seriesFreeWithin(Duration waitTime) throws InterruptedException {
        DistributedLock lock = registry.obtain(SERIES);
        if (!lock.tryLock(waitTime, TTL)) {
            return false;
        }
        lock.unlock();
        return true;
    }

    /**
     * The month-end close: holds the series' lock through {@code steps} steps of
     * {@code stepTime} each, taken with {@code lock(ttl)} and renewed to {@code ttl} with the
     * registry's {@code renewLock(SERIES, ttl)} after every step, so the hold outlives its first
     * time to live when the steps together take longer. {@code afterStep} runs after each step's
     * renewal, with the lock held, and is told the step's number (1 first).
     *
     * @param steps how many steps
     * @param stepTime how long each step works
     * @param ttl the hold's time to live, renewed after every step
     * @param afterStep told each step's number once it is done and the lock renewed
     * @return the number of renewals
     * @throws InterruptedException if interrupted during a step
     */
    public int closeMonth(int steps, Duration stepTime, Duration ttl, IntConsumer afterStep)
            throws InterruptedException {
        DistributedLock lock = registry.obtain(SERIES);
        lock.lock(ttl);
        int renewals = 0;
        try {
            for (int step = 1; step <= steps; step++) {
                Thread.sleep(stepTime.toMillis()); // the step's work, done holding the lock
                registry.renewLock(SERIES, ttl);
                renewals++;
                afterStep.accept(step);
            }
        } finally {
            lock.unlock();
        }
        return renewals;
    }

    /**
     * Returns the node's name.
     *
     * @return the name
     */
    public String node() {
        return node;
    }

    @Override
    public String toString() {
        return "InvoiceJobs[" + node + ", " + registry + "]";
    }
}
