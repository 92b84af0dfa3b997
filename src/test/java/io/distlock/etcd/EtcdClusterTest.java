package io.distlock.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.distlock.DistributedLock;
import io.distlock.LeaseLostException;
import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.testing.EtcdServers;
import io.distlock.testing.Holder;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A three-member etcd cluster losing its leader while locks are held and contended. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EtcdClusterTest {

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.cluster(3);

    private static int leader() throws Exception {
        List<String> endpoints = etcd.get().endpoints();
        try (Client client = EtcdTestSupport.client(etcd.get())) {
            for (int i = 0; i < endpoints.size(); i++) {
                StatusResponse s = client.getMaintenanceClient().statusMember(endpoints.get(i)).get(10, TimeUnit.SECONDS);
                if (s.getLeader() == s.getHeader().getMemberId()) {
                    return i;
                }
            }
        }
        throw new AssertionError("no leader among " + endpoints);
    }

    @ParameterizedTest
    @EnumSource(EtcdFlavour.class)
    void killingTheLeaderKeepsExclusionHoldersAndProgress(EtcdFlavour flavour) throws Exception {
        String prefix = "cluster/" + UUID.randomUUID() + "/";
        List<String> lost = new CopyOnWriteArrayList<>();
        LockOptions options = LockOptions.builder().leaseTime(Duration.ofSeconds(4))
                .retryCount(20).retryDelay(Duration.ofMillis(200)).build();
        List<EtcdLockFactory> jvms = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            jvms.add(EtcdLockFactory.builder().endpoints(etcd.get().endpoints().toArray(String[]::new))
                    .keyPrefix(prefix).flavour(flavour).options(options).requestTimeout(Duration.ofSeconds(2))
                    .leaseListener((n, fence) -> lost.add(n + "#" + fence)).build());
        }
        ExecutorService pool = Executors.newCachedThreadPool();
        int killed = -1;
        try {
            Holder holder = Holder.hold(jvms.get(0).getLock("held"));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Thread> inside = new AtomicReference<>();
            AtomicInteger acquisitions = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            AtomicInteger errors = new AtomicInteger();
            AtomicInteger leaseLosses = new AtomicInteger();
            List<Future<?>> workers = new ArrayList<>();
            for (EtcdLockFactory jvm : jvms) {
                for (int t = 0; t < 2; t++) {
                    workers.add(pool.submit(() -> {
                        DistributedLock lock = jvm.getLock("contended");
                        for (int i = 0; i < 100_000 && !stop.get(); i++) {
                            try {
                                if (!lock.tryLock(10, TimeUnit.SECONDS)) {
                                    continue;
                                }
                            } catch (LockBackendException e) {
                                errors.incrementAndGet();
                                continue;
                            }
                            try {
                                if (inside.getAndSet(Thread.currentThread()) != null) {
                                    overlaps.incrementAndGet();
                                }
                                acquisitions.incrementAndGet();
                                Thread.sleep(1);
                                inside.set(null);
                            } finally {
                                try {
                                    lock.unlock();
                                } catch (LeaseLostException e) {
                                    leaseLosses.incrementAndGet();
                                } catch (LockBackendException e) {
                                    errors.incrementAndGet();
                                }
                            }
                        }
                        return null;
                    }));
                }
            }
            // the workers are under way before the kill
            await().atMost(Duration.ofSeconds(30)).until(() -> acquisitions.get() >= 50);
            killed = leader();
            int beforeKill = acquisitions.get();
            etcd.get().kill(killed);
            Thread.sleep(8_000);   // longer than the 4 s lease: sessions must survive the failover
            int afterKill = acquisitions.get() - beforeKill;
            stop.set(true);
            for (Future<?> w : workers) {
                w.get(60, TimeUnit.SECONDS);
            }
            System.out.printf("%s: leader (member %d) killed; acquisitions before %d, in the 8 s after %d; "
                            + "overlaps %d, errors %d, lost leases %s%n",
                    flavour, killed, beforeKill, afterKill, overlaps.get(), errors.get(), lost);
            assertThat(overlaps.get()).as("two holders at once").isZero();
            assertThat(afterKill).as("waiters progress after the kill").isPositive();
            // A release whose answer is lost when the leader dies, and whose retry finds the
            // lease gone, is reported as lost (it cannot be told from a real loss); that may hit
            // the contended lock now and then, never the lock held across the failover.
            assertThat(lost).as("the holder keeps its lock").noneMatch(n -> n.startsWith("held#"));
            assertThat(leaseLosses.get()).as("reported losses").isLessThanOrEqualTo(2);
            assertThat(holder.release()).as("the long holder unlocks normally").isNull();
        } finally {
            pool.shutdownNow();
            jvms.forEach(EtcdLockFactory::close);
            if (killed >= 0) {
                etcd.get().restart(killed);
            }
        }
        assertThat(EtcdTestSupport.keys(etcd.get(), prefix)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(EtcdFlavour.class)
    void aFrozenMemberNeitherStopsAFactoryOfEveryEndpointNorAnswersForTheCluster(EtcdFlavour flavour) throws Exception {
        String prefix = "frozen/" + UUID.randomUUID() + "/";
        // a lease longer than the freeze: a session whose keep-alive goes to the frozen member
        // must not expire meanwhile (that would be a real loss, not a stale answer)
        LockOptions options = LockOptions.builder().leaseTime(Duration.ofSeconds(30))
                .retryCount(20).retryDelay(Duration.ofMillis(200)).build();
        List<String> endpoints = etcd.get().endpoints();
        int frozen = (leader() + 1) % endpoints.size();   // a follower (the leader's loss is the test above)
        try (EtcdLockFactory all = EtcdLockFactory.builder().endpoints(endpoints.toArray(String[]::new))
                     .keyPrefix(prefix).flavour(flavour).options(options).requestTimeout(Duration.ofSeconds(2)).build();
             EtcdLockFactory alone = EtcdLockFactory.builder().endpoints(endpoints.get(frozen))
                     .keyPrefix(prefix).flavour(flavour).options(options).requestTimeout(Duration.ofSeconds(1)).build()) {
            DistributedLock held = all.getLock("held");
            held.lock();
            assertThat(alone.getLock("held").tryLock()).isFalse();   // both factories are up
            long worst = 0;
            long aloneMillis;
            Object aloneAnswer;
            etcd.get().pause(frozen);
            try {
                for (int i = 0; i < 6; i++) {
                    long start = System.nanoTime();
                    DistributedLock lock = all.getLock("n" + i);
                    // a call routed to the frozen member times out (2 s) until the keep-alive pings
                    // have failed its connection (about 8 s); then the others serve every call
                    assertThat(lock.tryLock(30, TimeUnit.SECONDS)).as("acquisition %d with member %d frozen", i, frozen).isTrue();
                    lock.unlock();
                    worst = Math.max(worst, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }
                // the frozen member's own factory gets nothing, and says so by its deadline
                long start = System.nanoTime();
                try {
                    aloneAnswer = alone.getLock("free-" + UUID.randomUUID()).tryLock(2, TimeUnit.SECONDS);
                } catch (LockBackendException e) {
                    aloneAnswer = e.getClass().getSimpleName();
                }
                aloneMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(aloneAnswer).isNotEqualTo(Boolean.TRUE);
                assertThat(aloneMillis).isLessThan(2_000 + 1_500);
            } finally {
                etcd.get().resume(frozen);
            }
            // thawed, the member answers as the cluster does: "held" is held, never free
            await("the thawed member answers again").atMost(Duration.ofSeconds(30)).pollInSameThread()
                    .pollInterval(Duration.ofMillis(200)).ignoreException(LockBackendException.class).until(() -> {
                        assertThat(alone.getLock("held").tryLock()).as("a stale answer from the thawed member").isFalse();
                        return true;
                    });
            held.unlock();
            DistributedLock after = alone.getLock("held");
            assertThat(after.tryLock(10, TimeUnit.SECONDS)).isTrue();
            after.unlock();
            System.out.printf("%s: member %d frozen: 6 acquisitions through every endpoint, the slowest %d ms; the "
                    + "frozen member's own factory answered %s after %d ms; thawed, it saw the lock held%n",
                    flavour, frozen, worst, aloneAnswer, aloneMillis);
        }
        assertThat(EtcdTestSupport.keys(etcd.get(), prefix)).isEmpty();
    }

    /**
     * A keep-alive of the factory's session sent to a member that then stops answering (SIGSTOP)
     * gets no answer and no error until gRPC gives the connection up (seconds): it must not hold
     * the next keep-alive back past the lease. With a 6 s lease (a keep-alive every 2 s, one
     * unanswered for the 1 s request timeout replaced by another) and a follower frozen for 9 s,
     * the lock held through the session is never reported lost.
     */
    @org.junit.jupiter.api.Test
    void aKeepAliveStuckOnAFrozenMemberDoesNotHoldTheNextBack() throws Exception {
        String prefix = "stuck-keepalive/" + UUID.randomUUID() + "/";
        List<String> lost = new CopyOnWriteArrayList<>();
        LockOptions options = LockOptions.builder().leaseTime(Duration.ofSeconds(6)).build();
        List<String> endpoints = etcd.get().endpoints();
        int frozen = (leader() + 1) % endpoints.size();
        try (EtcdLockFactory all = EtcdLockFactory.builder().endpoints(endpoints.toArray(String[]::new))
                .keyPrefix(prefix).options(options).requestTimeout(Duration.ofSeconds(1))
                .leaseListener((n, fence) -> lost.add(n)).build()) {
            Holder holder = Holder.hold(all.getLock("held"));
            etcd.get().pause(frozen);
            try {
                // nothing reported lost for the whole freeze
                await("no lock reported lost").during(Duration.ofSeconds(9)).atMost(Duration.ofSeconds(11))
                        .until(lost::isEmpty);
            } finally {
                etcd.get().resume(frozen);
            }
            assertThat(lost).as("locks reported lost while member %d was frozen", frozen).isEmpty();
            assertThat(holder.release()).as("the holder unlocks normally").isNull();
        }
        assertThat(EtcdTestSupport.keys(etcd.get(), prefix)).isEmpty();
    }

}
