package consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A day of invoicing on two nodes (two {@link InvoiceJobs} over two registries that share one
 * Redis, standing in for two JVMs), each with its own threads:
 * <ol>
 * <li>every thread of both nodes, released together, issues {@code perThread} numbers, in turn
 *     with {@code lock(ttl)}, {@code tryLock(wait, ttl)} and {@code executeLocked}: under the lock
 *     the numbers issued are exactly 1 to the total, each once;</li>
 * <li>the first node closes the month, holding the lock through steps that together take longer
 *     than its time to live and renewing it after each; after every step the second node's
 *     {@code tryLock(100 ms, ttl)}, on one of its own threads, must return {@code false};</li>
 * <li>once the close is done, the second node gets the lock.</li>
 * </ol>
 */
public final class InvoiceDay {

    /** How long the second node tries for the lock while the first holds it. */
    public static final Duration BRIEFLY = Duration.ofMillis(100);

    /** The close: its steps, each step's work and its time to live (shorter than the steps). */
    static final int CLOSE_STEPS = 3;
    static final Duration CLOSE_STEP = Duration.ofMillis(800);
    static final Duration CLOSE_TTL = Duration.ofSeconds(2);

    private InvoiceDay() {
    }

    /**
     * What a day observed: everything but its duration is the same on every correct registry.
     *
     * @param issued the numbers issued, as the workers collected them
     * @param byLock how many were issued under {@code lock(ttl)}
     * @param byTryLock how many under {@code tryLock(wait, ttl)}
     * @param byExecuteLocked how many through {@code executeLocked}
     * @param lastInLedger the ledger's last number after the day
     * @param renewals the close's renewals
     * @param tryLockDuringClose what the second node's {@code tryLock(100 ms, ttl)} returned after each
     *        close step
     * @param freeAfterClose whether the second node got the lock after the close
     * @param elapsed how long the day took
     */
    public record Report(List<Long> issued, int byLock, int byTryLock, int byExecuteLocked, long lastInLedger,
            int renewals, List<Boolean> tryLockDuringClose, boolean freeAfterClose, Duration elapsed) {

        /**
         * Returns what any correct registry yields, the duration left out.
         *
         * @return this report's observable results
         */
        public String observed() {
            List<Long> sorted = issued.stream().sorted().toList();
            boolean oneToTotal = true;
            for (int i = 0; i < sorted.size(); i++) {
                oneToTotal &= sorted.get(i) == i + 1;
            }
            return "issued=" + issued.size() + " each-of-1-to-total-once=" + oneToTotal + " byLock=" + byLock
                    + " byTryLock=" + byTryLock + " byExecuteLocked=" + byExecuteLocked + " lastInLedger="
                    + lastInLedger + " renewals=" + renewals + " secondNodeTryLockDuringClose="
                    + tryLockDuringClose + " freeAfterClose=" + freeAfterClose;
        }
    }

    /**
     * Runs the day.
     *
     * @param first the first node's jobs
     * @param second the second node's jobs
     * @param ledger the ledger both issue numbers in, fresh
     * @param threadsPerNode threads on each node
     * @param perThread numbers each thread issues
     * @return what was observed
     * @throws Exception if a job failed (its exception is the cause) or took over a minute
     */
    public static Report run(InvoiceJobs first, InvoiceJobs second, InvoiceLedger ledger, int threadsPerNode,
            int perThread) throws Exception {
        Objects.requireNonNull(ledger, "ledger");
        if (ledger.lastIssued() != 0) {
            throw new IllegalArgumentException("the ledger is not fresh: " + ledger.lastIssued());
        }
        ExecutorService firstNode = Executors.newFixedThreadPool(threadsPerNode);
        ExecutorService secondNode = Executors.newFixedThreadPool(threadsPerNode);
        try {
            long start = System.nanoTime();
            Tally tally = new Tally();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < threadsPerNode; t++) {
                work.add(firstNode.submit(worker(first, t, perThread, go, tally)));
                work.add(secondNode.submit(worker(second, t, perThread, go, tally)));
            }
            go.countDown();
            for (Future<?> f : work) {
                await(f);
            }

            List<Boolean> tryLockDuringClose = new ArrayList<>();
            int renewals = first.closeMonth(CLOSE_STEPS, CLOSE_STEP, CLOSE_TTL, step -> {
                try {
                    tryLockDuringClose.add(await(secondNode.submit(() -> second.seriesFreeWithin(BRIEFLY))));
                } catch (Exception e) {
                    throw new IllegalStateException("the second node's tryLock failed after step " + step, e);
                }
            });
            boolean freeAfterClose = await(secondNode.submit(() -> second.seriesFreeWithin(Duration.ofSeconds(10))));

            return new Report(List.copyOf(tally.issued), tally.byLock.get(), tally.byTryLock.get(),
                    tally.byExecuteLocked.get(), ledger.lastIssued(), renewals,
                    List.copyOf(tryLockDuringClose), freeAfterClose,
                    Duration.ofNanos(System.nanoTime() - start));
        } finally {
            firstNode.shutdownNow();
            secondNode.shutdownNow();
            firstNode.awaitTermination(10, TimeUnit.SECONDS);
            secondNode.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** A thread's share of the day: {@code perThread} numbers, the three ways in turn. */
    private static Callable<Void> worker(InvoiceJobs jobs, int offset, int perThread, CountDownLatch go, Tally tally) {
        return () -> {
            go.await();
            for (int i = 0; i < perThread; i++) {
                switch ((i + offset) % 3) {
                    case 0 -> {
                        tally.issued.add(jobs.issue());
                        tally.byLock.incrementAndGet();
                    }
                    case 1 -> {
                        tally.issued.add(jobs.tryIssue());
                        tally.byTryLock.incrementAndGet();
                    }
                    default -> {
                        tally.issued.add(jobs.issueLocked());
                        tally.byExecuteLocked.incrementAndGet();
                    }
                }
            }
            return null;
        };
    }

    /** The numbers the workers issued, and how. */
    private static final class Tally {
        final ConcurrentLinkedQueue<Long> issued = new ConcurrentLinkedQueue<>();
        final AtomicInteger byLock = new AtomicInteger();
        final AtomicInteger byTryLock = new AtomicInteger();
        final AtomicInteger byExecuteLocked = new AtomicInteger();
    }

    private static <T> T await(Future<T> f) throws Exception {
        try {
            return f.get(1, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new IllegalStateException("a job took over a minute", e);
        }
    }
}
