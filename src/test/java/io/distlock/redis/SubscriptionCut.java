package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.distlock.testing.BlackholeRelay;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;

/**
 * A release subscription whose flow is dropped without a reset, as a NAT, load balancer or
 * firewall does to an idle connection: what a waiter in one factory (one "JVM") sees of a release
 * in another, before the relays between the waiter's factory and the server black-hole its
 * subscription connection, right after, and once the subscriber has noticed and subscribed again.
 * Without a health check, the release announced into the dead connection is never delivered, and
 * the waiter wakes only when it re-checks at the end of the holder's lease.
 */
final class SubscriptionCut {

    /** A hand-over over a live subscription: a hop and an acquisition, with room for a busy machine. */
    static final long PROMPT_MILLIS = 1_000;
    /**
     * A hand-over announced into a dead subscription: noticed at most a check period and an
     * answer timeout after the cut (the documented bound), with a margin for a busy machine.
     */
    static final long CUT_BOUND_MILLIS = ReleaseSubscriber.HEALTH_CHECK_MILLIS
            + ReleaseSubscriber.ANSWER_TIMEOUT_MILLIS + 1_500;

    /** The three wake times, in milliseconds from {@code unlock()} to {@code lock()} returning. */
    record Figures(long before, long cut, long after) {
        void assertPrompt() {
            assertThat(before).as("wake before the cut, ms").isLessThan(PROMPT_MILLIS);
            assertThat(cut).as("wake with the subscription black-holed, ms").isLessThan(CUT_BOUND_MILLIS);
            assertThat(after).as("wake once subscribed again, ms").isLessThan(PROMPT_MILLIS);
        }
    }

    private SubscriptionCut() {
    }

    /**
     * Runs the three hand-overs from {@code holder} to {@code waiter} (locks of one name in two
     * factories, the waiter's reaching the server through {@code relays}); {@code waiting} tells
     * when the waiter's acquisition is waiting on the server.
     */
    static Figures run(Lock holder, Lock waiter, BooleanSupplier waiting, List<BlackholeRelay> relays)
            throws Exception {
        BooleanSupplier subscribed = () -> relays.stream().mapToInt(BlackholeRelay::liveSubscriptions).sum() > 0;
        long before = handOver(holder, waiter, waiting, subscribed, () -> { });
        long cut = handOver(holder, waiter, waiting, subscribed, () -> assertThat(
                relays.stream().mapToInt(BlackholeRelay::blackholeSubscriptions).sum()).as("connections cut").isPositive());
        System.out.println("subscription cut: wake " + before + " ms before, " + cut + " ms with the flow cut");
        long after = handOver(holder, waiter, waiting, subscribed, () -> { });
        System.out.println("subscription cut: wake " + after + " ms once subscribed again");
        return new Figures(before, cut, after);
    }

    /**
     * {@code holder} locks; {@code waiter} waits in {@code lock()} on another thread until it is
     * waiting on the server and subscribed; {@code beforeRelease} runs; {@code holder} unlocks.
     * Returns the time from that unlock to the waiter's {@code lock()} returning.
     */
    private static long handOver(Lock holder, Lock waiter, BooleanSupplier waiting, BooleanSupplier subscribed,
                                 Runnable beforeRelease) throws Exception {
        holder.lock();
        CompletableFuture<Long> woke = CompletableFuture.supplyAsync(() -> {
            waiter.lock();
            long at = System.nanoTime();
            waiter.unlock();
            return at;
        });
        await("the waiter waiting on the server, its factory subscribed").atMost(Duration.ofSeconds(20)).until(() -> waiting.getAsBoolean() && subscribed.getAsBoolean());
        beforeRelease.run();
        long released = System.nanoTime();
        holder.unlock();
        return TimeUnit.NANOSECONDS.toMillis(woke.get(60, TimeUnit.SECONDS) - released);
    }
}
