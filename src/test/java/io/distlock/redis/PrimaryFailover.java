package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.distlock.LeaseListener;
import io.distlock.LeaseLostException;
import io.distlock.LockOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One scenario, run on every replicated topology (Redis Cluster, Sentinel): the primary that
 * serves two held locks is killed while other threads lock and unlock under load, and one of its
 * replicas takes over. The acquisition of one lock had reached the replica; the other's had not
 * (replication stopped just before: the replicas frozen and their links cut).
 * <ul>
 *   <li>the replicated lock is still held after the failover and unlocks cleanly;</li>
 *   <li>the other is lost: a waiter in another factory gets it, with a greater fencing token,
 *       and its holder is told (listener, {@code isHeldByCurrentThread() == false},
 *       {@code unlock()} throws {@link LeaseLostException});</li>
 *   <li>the load goes on against the new primary.</li>
 * </ul>
 */
final class PrimaryFailover {

    /** What the scenario needs of a topology. */
    interface Topology {
        RedisLockFactory factory(LockOptions options, LeaseListener listener);

        /** A lock name (from {@code base}) whose keys the primary to be killed serves. */
        String nameOnDoomedPrimary(String base);

        /** Whether every replica of that primary has {@code key}. */
        boolean onReplicas(String key);

        /** Freezes the replicas and cuts their replication links, so new writes stay on the primary. */
        void stopReplication();

        /** Thaws the replicas. */
        void resumeReplication();

        void killPrimary();

        /** Whether a replica now serves {@code key} as the primary. */
        boolean failedOver(String key);
    }

    private PrimaryFailover() {
    }

    /** Runs the scenario; returns the line of figures it measured. */
    static String run(Topology topology, String prefix) throws Exception {
        String replicated = topology.nameOnDoomedPrimary("replicated");
        String unreplicated = topology.nameOnDoomedPrimary("unreplicated");
        List<String> lost = new CopyOnWriteArrayList<>();
        // a lease longer than the failover takes (detection, election, the client's move): a
        // holder that cannot renew for a whole lease must count its lock as lost
        LockOptions options = LockOptions.builder().leaseTime(Duration.ofSeconds(10)).build();
        try (RedisLockFactory holderSide = topology.factory(options, (n, fence) -> lost.add(n));
             RedisLockFactory waiterSide = topology.factory(options, (n, fence) -> { });
             // the load's locks that the failover leaves behind (taken on the killed primary, their
             // release lost with it) expire with their lease: a short one, so the test need not
             // wait the default 30 s for the server to be clean
             RedisLockFactory loadSide = topology.factory(LockOptions.builder().leaseTime(Duration.ofSeconds(3)).build(),
                     (n, fence) -> { })) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            List<Thread> load = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int id = t;
                Thread thread = new Thread(() -> {
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    for (int i = 0; !stop.get() && System.nanoTime() - end < 0; i++) {
                        RedisLock lock = loadSide.getLock("load-" + id + "-" + (i % 20));
                        try {
                            if (lock.tryLock(2, TimeUnit.SECONDS)) {
                                lock.unlock();
                                done.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "load-" + t);
                load.add(thread);
                thread.start();
            }

            RedisLock kept = holderSide.getLock(replicated);
            kept.lock();
            await().atMost(Duration.ofSeconds(10)).until(() -> topology.onReplicas(prefix + "{" + replicated + "}"));
            topology.stopReplication();
            RedisLock gone = holderSide.getLock(unreplicated);
            long goneToken;
            CompletableFuture<Long> waiter;
            long killedAt;
            try {
                gone.lock();
                goneToken = gone.getFencingToken();
                java.util.concurrent.atomic.AtomicReference<Thread> waiterThread = new java.util.concurrent.atomic.AtomicReference<>();
                waiter = CompletableFuture.supplyAsync(() -> {
                    waiterThread.set(Thread.currentThread());
                    RedisLock lock = waiterSide.getLock(unreplicated);
                    try {
                        if (!lock.tryLock(60, TimeUnit.SECONDS)) {
                            return -1L;
                        }
                    } catch (InterruptedException e) {
                        return -1L;
                    }
                    long token = lock.getFencingToken();
                    lock.unlock();
                    return token;
                });
                // the waiter is waiting on the primary
                await().atMost(Duration.ofSeconds(10)).until(() -> waiterThread.get() != null);
                io.distlock.testing.Waiter.awaitParked(waiterThread.get());
                topology.killPrimary();
                killedAt = System.nanoTime();
            } finally {
                topology.resumeReplication();
            }
            long doneAtKill = done.get();
            long waiterToken = waiter.get(60, TimeUnit.SECONDS);
            long waiterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            assertThat(topology.failedOver(prefix + "{" + unreplicated + "}")).as("a replica took over").isTrue();
            assertThat(waiterToken).as("the next holder's token, after the failover").isGreaterThan(goneToken);

            await().atMost(Duration.ofSeconds(30)).until(() -> lost.contains(unreplicated));
            long toldMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            assertThat(gone.isHeldByCurrentThread()).isFalse();
            assertThatThrownBy(gone::unlock).isInstanceOf(LeaseLostException.class);

            // the replicated lock is still this holder's: renewed on the new primary, released cleanly
            assertThat(kept.isHeldByCurrentThread()).isTrue();
            kept.unlock();
            assertThat(lost).containsExactly(unreplicated);

            await().atMost(Duration.ofSeconds(30)).until(() -> done.get() > doneAtKill + 100);
            stop.set(true);
            for (Thread t : load) {
                t.join(30_000);
            }
            return String.format("the waiter got the lost lock %d ms after the kill (token %d > %d); its holder "
                    + "was told after %d ms; the replicated lock survived; load: %d acquisitions (%d before the "
                    + "kill), %d failed calls", waiterMillis, waiterToken, goneToken, toldMillis, done.get(),
                    doneAtKill, failed.get());
        }
    }
}
