package io.distlock.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Two locks of one name in two factories (two processes to the server), each with one thread
 * that takes the lock again right after releasing it, as a loop in a service does: how often
 * the owner changes and each side's share while both contend.
 */
public final class HandOverShares {

    /** While both contended: acquisitions, changes of owner, the first side's share. */
    public static final class Result {
        public final int contended;
        public final long changes;
        public final double firstShare;

        Result(int contended, long changes, double firstShare) {
            this.contended = contended;
            this.changes = changes;
            this.firstShare = firstShare;
        }

        @Override
        public String toString() {
            return String.format("%d acquisitions while both contended, %d changes of owner, first side's share %.2f",
                    contended, changes, firstShare);
        }
    }

    private HandOverShares() {
    }

    /**
     * Runs {@link #run} up to {@code runs} times on fresh pairs of locks from {@code sides}
     * (each call gives the first and the second side's lock) and returns the first result that
     * {@code within} accepts.
     *
     * <p>Why more than one run: the shares depend on the scheduler as much as on the engine. A
     * side whose thread is not running when the other releases is not yet waiting, so nothing is
     * reserved for it, just as with {@code ReentrantLock}; on a loaded two-core machine a CI run
     * once measured one side at 38% while the owner changed at more than 70% of acquisitions.
     * Every run is printed.
     *
     * @throws AssertionError naming every run's result if none is accepted
     */
    public static Result runUntil(Supplier<Lock[]> sides, int rounds, int warmUp, long timeoutSeconds,
                                  Predicate<Result> within, int runs) throws Exception {
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Lock[] pair = sides.get();
            Result r = run(pair[0], pair[1], rounds, warmUp, timeoutSeconds);
            System.out.println("run " + (i + 1) + " of at most " + runs + ": " + r);
            if (within.test(r)) {
                return r;
            }
            results.add(r);
        }
        throw new AssertionError("no run of " + runs + " within the bounds: " + results);
    }

    /**
     * Runs {@code rounds} lock/unlock pairs on each side at once and measures the stretch while
     * both contend, past the first {@code warmUp} acquisitions (both JVM threads warming up, the
     * compiler taking a core).
     *
     * @throws AssertionError if the sides do not finish within {@code timeoutSeconds}, or do not
     *         both contend for more than {@code rounds} acquisitions
     */
    public static Result run(Lock first, Lock second, int rounds, int warmUp, long timeoutSeconds) throws Exception {
        List<Integer> owners = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        Lock[] sides = {first, second};
        for (int side = 0; side < 2; side++) {
            Lock lock = sides[side];
            int me = side;
            loops.add(CompletableFuture.runAsync(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < rounds; i++) {
                    lock.lock();
                    try {
                        owners.add(me);
                    } finally {
                        lock.unlock();
                    }
                }
            }));
        }
        start.countDown();
        CompletableFuture.allOf(loops.toArray(new CompletableFuture[0])).get(timeoutSeconds, TimeUnit.SECONDS);
        // while both contend: up to the last acquisition of the side that finished first
        int end = Math.min(owners.lastIndexOf(0), owners.lastIndexOf(1)) + 1;
        if (end <= rounds) {
            throw new AssertionError("the sides contended for only " + end + " acquisitions");
        }
        List<Integer> contended = owners.subList(warmUp, end);
        long changes = IntStream.range(1, contended.size())
                .filter(i -> !contended.get(i).equals(contended.get(i - 1))).count();
        double share = contended.stream().filter(o -> o == 0).count() / (double) contended.size();
        return new Result(contended.size(), changes, share);
    }
}
