package consumer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The store both nodes number invoices in: the last number issued, read and written in two
 * separate steps with a pause between them, as a row read and then updated over a network would
 * be. Nothing here makes read-then-write atomic: two jobs that interleave issue the same number
 * and lose one, unless the series' distributed lock keeps them apart.
 *
 * <p>The two "nodes" of {@link InvoiceDay} share one ledger in one JVM, standing in for a
 * database both would use; the {@link AtomicLong} only makes each single read and write visible
 * across threads.
 */
public final class InvoiceLedger {

    private final AtomicLong last = new AtomicLong();

    /** Returns the last number issued, 0 before the first. */
    long last() {
        return last.get();
    }

    /** Records {@code number} as the last number issued. */
    void record(long number) {
        last.set(number);
    }

    /**
     * Issues the next number: reads the last one, takes a moment (the round trip of a real
     * store, which makes a race between two unguarded jobs all but certain), writes it plus one.
     * Only correct while the caller holds the series' lock.
     *
     * @return the number issued
     */
    long issueNext() {
        long next = last() + 1;
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while issuing invoice " + next, e);
        }
        record(next);
        return next;
    }

    /**
     * Returns the last number issued.
     *
     * @return the last number, 0 before the first
     */
    public long lastIssued() {
        return last();
    }
}
