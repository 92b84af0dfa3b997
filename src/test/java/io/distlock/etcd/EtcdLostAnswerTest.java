package io.distlock.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.distlock.LockOptions;
import io.distlock.testing.EtcdServers;
import io.distlock.testing.HoldingProxy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An acquire request whose answer never came, delivered to etcd only after the factory has
 * cleaned up after it: a relay holds the request back and cuts the client's side of its
 * connection (the server's side stays open, half-open), the client goes on over a new
 * connection, the engine cleans up after the request whose outcome it does not know, and only
 * then does the late request reach etcd. It must take nothing: a key it wrote on the factory's session would be kept
 * alive with the session, that is for as long as the factory lives.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdLostAnswerTest {

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    private final String prefix = "etcd-lost/" + UUID.randomUUID() + "/";
    private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

    /** Every kind of acquisition whose request can be held back, and how to get its lock. */
    enum Kind {
        TRANSACTION(EtcdFlavour.TRANSACTION, false, f -> f.getLock("lost")),
        FAIR_TRANSACTION(EtcdFlavour.TRANSACTION, true, f -> f.getLock("lost")),
        LOCK_SERVICE(EtcdFlavour.LOCK_SERVICE, false, f -> f.getLock("lost")),
        WRITE(EtcdFlavour.TRANSACTION, false, f -> f.getReadWriteLock("lost").writeLock()),
        READ(EtcdFlavour.TRANSACTION, false, f -> f.getReadWriteLock("lost").readLock());

        final EtcdFlavour flavour;
        final boolean fair;
        final Function<EtcdLockFactory, Lock> lock;

        Kind(EtcdFlavour flavour, boolean fair, Function<EtcdLockFactory, Lock> lock) {
            this.flavour = flavour;
            this.fair = fair;
            this.lock = lock;
        }
    }

    @AfterEach
    void close() throws Exception {
        // factories before the relay: the one behind it revokes its session through it
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        assertThat(EtcdTestSupport.keys(etcd.get(), prefix)).isEmpty();
    }

    private EtcdLockFactory factory(String endpoint, Kind kind) {
        EtcdLockFactory f = EtcdLockFactory.builder()
                .endpoints(endpoint)
                .keyPrefix(prefix)
                .flavour(kind.flavour)
                .requestTimeout(Duration.ofSeconds(1))
                .options(LockOptions.builder().fair(kind.fair).retryDelay(Duration.ofMillis(20)).build())
                .build();
        closing.add(f);
        return f;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aLateAcquireRequestAfterItsCleanUpTakesNothing(Kind kind) throws Exception {
        URI server = URI.create(etcd.get().endpoints().get(0));
        HoldingProxy proxy = HoldingProxy.http2To(server.getHost(), server.getPort());
        closing.add(proxy);
        EtcdLockFactory viaProxy = factory("http://" + proxy.host() + ":" + proxy.port(), kind);
        Lock lock = kind.lock.apply(viaProxy);
        lock.lock();   // connection and session set-up
        lock.unlock();

        // every key of the lock holds its name as "4:lost"; the session's keep-alives do not
        proxy.holdNextRequest("4:lost", true);
        lock.lock();   // held, and the connection cut: a retry over a new one takes it
        try {
            assertThat(proxy.holding()).as("a request was held back").isTrue();
            assertThat(proxy.connections()).as("connections through the relay").isGreaterThan(1);
        } finally {
            lock.unlock();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> io.distlock.testing.Waiter.pendingCleanups(viaProxy) == 0);

        assertThat(proxy.deliverHeld()).isPositive();
        assertThat(proxy.awaitAnswerToHeld(Duration.ofSeconds(10))).as("etcd answered the late request").isTrue();
        EtcdLockFactory other = factory(etcd.get().endpoints().get(0), kind);
        Lock writer = kind == Kind.READ || kind == Kind.WRITE
                ? other.getReadWriteLock("lost").writeLock() : other.getLock("lost");
        assertThat(writer.tryLock(2, TimeUnit.SECONDS)).as("another JVM takes the lock after the late request").isTrue();
        writer.unlock();
    }

    /**
     * A fair waiter's later attempt (its queue entry already there from the first) is held back
     * and delivered after the clean-up, which dequeued the token: it must not queue the token
     * again, for an entry nobody waits on would stand at the head of the queue for as long as the
     * factory lives and no fair waiter of any JVM would get the lock.
     */
    @org.junit.jupiter.api.Test
    void aLateLaterAttemptOfAFairWaiterQueuesNothing() throws Exception {
        URI server = URI.create(etcd.get().endpoints().get(0));
        HoldingProxy proxy = HoldingProxy.http2To(server.getHost(), server.getPort());
        closing.add(proxy);
        EtcdLockFactory holderSide = factory(etcd.get().endpoints().get(0), Kind.FAIR_TRANSACTION);
        EtcdLockFactory viaProxy = factory("http://" + proxy.host() + ":" + proxy.port(), Kind.FAIR_TRANSACTION);
        Lock held = holderSide.getLock("lost");
        held.lock();
        String queue = prefix + "fx/4:lost/";
        java.util.concurrent.Future<Boolean> waiter;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            Lock lock = viaProxy.getLock("lost");
            waiter = pool.submit(() -> {
                boolean got = lock.tryLock(60, TimeUnit.SECONDS);
                if (got) {
                    lock.unlock();
                }
                return got;
            });
            // the waiter's first attempt has queued it: its token names its entry
            await().atMost(Duration.ofSeconds(20)).until(() -> !EtcdTestSupport.keys(etcd.get(), queue).isEmpty());
            String token = EtcdTestSupport.keys(etcd.get(), queue).get(0).substring(queue.length());
            proxy.holdNextRequest(token, true);   // its next attempt: held, and the connection cut
        } finally {
            held.unlock();   // wakes the waiter, whose next attempt is the one held
        }
        assertThat(waiter.get(30, TimeUnit.SECONDS)).as("the waiter got the lock with a new token").isTrue();
        pool.shutdown();
        assertThat(proxy.holding()).as("an attempt was held back").isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> io.distlock.testing.Waiter.pendingCleanups(viaProxy) == 0);
        assertThat(proxy.deliverHeld()).isPositive();
        assertThat(proxy.awaitAnswerToHeld(Duration.ofSeconds(10))).as("etcd answered the late attempt").isTrue();
        assertThat(EtcdTestSupport.keys(etcd.get(), queue)).as("queue entries after the late attempt").isEmpty();
        Lock other = holderSide.getLock("lost");
        assertThat(other.tryLock(2, TimeUnit.SECONDS)).as("a fair waiter takes the lock after the late attempt").isTrue();
        other.unlock();
    }

    /**
     * The clean-up after an unanswered request whose session has meanwhile gone on the server:
     * the record of the given-up token cannot be attached to that session ("lease not found"),
     * so the release goes through without it (a late request on that session cannot write
     * either) instead of failing until the cleaner gives up.
     */
    @org.junit.jupiter.api.Test
    void aReleaseAfterAnUnansweredWriteWhoseSessionIsGoneGoesThroughWithoutTheRecord() throws Exception {
        io.etcd.jetcd.Client client = EtcdTestSupport.client(etcd.get());
        EtcdSessions sessions = new EtcdSessions(client, 10, Duration.ofSeconds(2), "test");
        EtcdTxnBackend backend = new EtcdTxnBackend(client, true, prefix, Duration.ofSeconds(2), true, "test",
                sessions, false);
        closing.add(backend);
        String first = UUID.randomUUID().toString();
        assertThat(backend.tryAcquire("gone", first, 10_000, false, Long.MAX_VALUE).isAcquired()).isTrue();
        assertThat(backend.release("gone", first).released()).isTrue();
        // a request abandoned at once: its outcome is unknown to the caller
        String token = UUID.randomUUID().toString();
        io.distlock.spi.RequestAbandonedException abandoned = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> backend.tryAcquire("gone", token, 10_000, false, 1),
                io.distlock.spi.RequestAbandonedException.class);
        assertThat(abandoned).as("the request was abandoned").isNotNull();
        try {
            abandoned.request().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException ignored) {
            // whatever it did, the clean-up below must go through
        }
        assertThat(backend.unansweredTokens()).isEqualTo(1);
        client.getLeaseClient().revoke(sessions.current(System.nanoTime() + TimeUnit.SECONDS.toNanos(5)).id())
                .get(10, TimeUnit.SECONDS);
        assertThat(backend.release("gone", token)).isEqualTo(io.distlock.spi.ReleaseResult.NOT_OWNED);
        assertThat(backend.unansweredTokens()).isZero();
    }
}
