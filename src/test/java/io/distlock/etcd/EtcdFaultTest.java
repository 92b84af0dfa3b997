package io.distlock.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.distlock.DistributedLock;
import io.distlock.LeaseLostException;
import io.distlock.LockOptions;
import io.distlock.testing.EtcdServers;
import io.distlock.testing.Holder;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults particular to etcd, each injected on a real server: a queued waiter's session revoked,
 * the server frozen after an acquisition, the server killed under an unlock, and the book-keeping
 * left after contended acquisitions.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdFaultTest {

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    private final String prefix = "etcd-fault/" + UUID.randomUUID() + "/";
    private final List<EtcdLockFactory> factories = new CopyOnWriteArrayList<>();
    private final List<String> lost = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    private EtcdLockFactory factory(EtcdFlavour flavour, LockOptions options) {
        EtcdLockFactory f = EtcdLockFactory.builder()
                .endpoints(etcd.get().endpoints().toArray(String[]::new))
                .keyPrefix(prefix)
                .flavour(flavour)
                .requestTimeout(Duration.ofSeconds(2))
                .options(options)
                .leaseListener((n, fence) -> lost.add(n + "#" + fence))
                .build();
        factories.add(f);
        return f;
    }

    @AfterEach
    void closeFactories() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        factories.forEach(EtcdLockFactory::close);
        assertThat(EtcdTestSupport.keys(etcd.get(), prefix)).isEmpty();
    }

    private List<KeyValue> keysUnder(String start) throws Exception {
        try (Client client = EtcdTestSupport.client(etcd.get())) {
            return client.getKVClient().get(ByteSequence.from(start, StandardCharsets.UTF_8),
                    GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS).getKvs();
        }
    }

    private String writersOf(String name) {
        return prefix + "rw/" + name.length() + ":" + name + "/w/";
    }

    @Test
    void aQueuedWriterWhoseSessionVanishedQueuesAgainInsteadOfEnteringBesideAnother() throws Exception {
        String name = "vanished";
        EtcdLockFactory a = factory(EtcdFlavour.TRANSACTION, LockOptions.defaults());
        EtcdLockFactory b = factory(EtcdFlavour.TRANSACTION, LockOptions.defaults());
        EtcdLockFactory c = factory(EtcdFlavour.TRANSACTION, LockOptions.defaults());
        DistributedLock first = a.getReadWriteLock(name).writeLock();
        first.lock();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        List<String> order = new CopyOnWriteArrayList<>();
        Future<?> fb = pool.submit(write(b, name, "b", inside, mostInside, order));
        await().atMost(Duration.ofSeconds(10)).until(() -> keysUnder(writersOf(name)).size() == 2);
        Future<?> fc = pool.submit(write(c, name, "c", inside, mostInside, order));
        await().atMost(Duration.ofSeconds(10)).until(() -> keysUnder(writersOf(name)).size() == 3);
        // revoke the session lease of b, the writer queued first after the holder
        List<KeyValue> queued = keysUnder(writersOf(name)).stream()
                .sorted(Comparator.comparingLong(KeyValue::getCreateRevision)).collect(Collectors.toList());
        try (Client client = EtcdTestSupport.client(etcd.get())) {
            client.getLeaseClient().revoke(queued.get(1).getLease()).get(10, TimeUnit.SECONDS);
        }
        Thread.sleep(500);
        first.unlock();
        fb.get(60, TimeUnit.SECONDS);
        fc.get(60, TimeUnit.SECONDS);
        assertThat(mostInside.get()).as("writers inside at once").isEqualTo(1);
        // b lost its place: it queued again, behind c
        assertThat(order).containsExactly("c", "b");
    }

    private Callable<Void> write(EtcdLockFactory f, String name, String who, AtomicInteger inside,
                                 AtomicInteger mostInside, List<String> order) {
        return () -> {
            DistributedLock w = f.getReadWriteLock(name).writeLock();
            w.lock();
            try {
                order.add(who);
                mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                Thread.sleep(800);
                inside.decrementAndGet();
            } finally {
                w.unlock();
            }
            return null;
        };
    }

    @Test
    void theLeaseEstimateEndsWhenTheSessionsLastConfirmedLeaseDoes() throws Exception {
        // a 6 s session lease, kept alive every 2 s
        EtcdLockFactory f = factory(EtcdFlavour.TRANSACTION, LockOptions.builder().leaseTime(Duration.ofSeconds(6)).build());
        DistributedLock first = f.getLock("estimate-1");
        long beforeGrant = System.nanoTime();
        first.lock();
        Thread.sleep(1_000);
        // acquired 1 s after the session's grant, before its first keep-alive: the server keeps
        // this key only as long as the session, until about grant + 6 s, not acquisition + 6 s
        DistributedLock second = f.getLock("estimate-2");
        second.lock();
        etcd.get().pause(0);
        try {
            long sinceGrant = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - beforeGrant);
            assertThat(sinceGrant).as("frozen before the first keep-alive").isLessThan(1_900);
            sleepUntil(beforeGrant, 4_500);
            assertThat(second.isHeldByCurrentThread()).as("still within the session's lease").isTrue();
            sleepUntil(beforeGrant, 6_500);
            assertThat(second.isHeldByCurrentThread()).as("the server's lease has run out").isFalse();
            assertThat(first.isHeldByCurrentThread()).isFalse();
        } finally {
            etcd.get().resume(0);
        }
        for (DistributedLock l : List.of(second, first)) {
            try {
                l.unlock();
            } catch (LeaseLostException expected) {
                // the lease ran out on the server while it was frozen
            }
        }
    }

    private static void sleepUntil(long start, long millis) throws InterruptedException {
        long left = millis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (left > 0) {
            Thread.sleep(left);
        }
    }

    @Test
    void aLockServiceUnlockRetriedAfterTheServerCameBackReachesTheServer() throws Exception {
        EtcdLockFactory f = factory(EtcdFlavour.LOCK_SERVICE, LockOptions.builder().retryCount(40)
                .retryDelay(Duration.ofMillis(250)).retryBackoff(1).build());
        DistributedLock lock = f.getLock("unlock-retry");
        lock.lock();
        etcd.get().kill(0);
        long[] restartedAt = new long[1];
        Future<?> restart = pool.submit(() -> {
            // down for longer than the client's own retries of a call (so the first revoke ends)
            Thread.sleep(5_000);
            restartedAt[0] = System.nanoTime();
            etcd.get().restart(0);
            return null;
        });
        // the first revoke fails (nobody listens); the retries go on until one reaches the
        // restarted server. If a late copy of an earlier revoke got there first, the next one finds
        // the lease gone, which cannot be told from a lease lost meanwhile, and says so
        try {
            lock.unlock();
        } catch (LeaseLostException ambiguous) {
            System.out.println("unlock after the restart: " + ambiguous.getMessage());
        }
        long unlockedAt = System.nanoTime();
        restart.get(60, TimeUnit.SECONDS);
        assertThat(unlockedAt - restartedAt[0]).as("unlock waited for the server instead of answering itself")
                .isPositive();
        // the lease was revoked on the server, not left to run out: its key is gone at once
        assertThat(EtcdTestSupport.keys(etcd.get(), prefix)).as("the owner key is gone at once").isEmpty();
        assertThat(lock.getHoldCount()).isZero();
        try (Holder other = Holder.hold(factory(EtcdFlavour.LOCK_SERVICE, LockOptions.defaults()).getLock("unlock-retry"))) {
            assertThat(other.release()).isNull();
        }
    }

    @Test
    void contendedAcquisitionsLeaveNoBookKeepingBehind() throws Exception {
        EtcdLockFactory holderJvm = factory(EtcdFlavour.TRANSACTION, LockOptions.defaults());
        EtcdLockFactory waiterJvm = factory(EtcdFlavour.TRANSACTION, LockOptions.defaults());
        for (int i = 0; i < 20; i++) {
            Holder holder = Holder.hold(holderJvm.getLock("contended"));
            Holder rwHolder = Holder.hold(holderJvm.getReadWriteLock("contended").writeLock());
            java.util.concurrent.atomic.AtomicReference<Thread> waiterThread = new java.util.concurrent.atomic.AtomicReference<>();
            Future<?> waiter = pool.submit(() -> {
                waiterThread.set(Thread.currentThread());
                DistributedLock lock = waiterJvm.getLock("contended");
                lock.lock();
                lock.unlock();
                DistributedLock w = waiterJvm.getReadWriteLock("contended").writeLock();
                w.lock();
                w.unlock();
                return null;
            });
            // the waiter waits for the held lock
            await().atMost(Duration.ofSeconds(10)).until(() -> waiterThread.get() != null);
            io.distlock.testing.Waiter.awaitParked(waiterThread.get());
            assertThat(holder.release()).isNull();
            assertThat(rwHolder.release()).isNull();
            waiter.get(30, TimeUnit.SECONDS);
        }
        assertThat(waiterJvm.readWriteBackend.trackedEntries()).isZero();
        assertThat(holderJvm.readWriteBackend.trackedEntries()).isZero();
    }
}
