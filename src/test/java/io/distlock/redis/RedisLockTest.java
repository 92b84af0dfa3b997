package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.distlock.LeaseLostException;
import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.testing.Holder;
import io.distlock.testing.RedisServer;
import io.distlock.testing.RedisServers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/** What is particular to the Redis back end: round trips, key layout, scripts, restarts. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisLockTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    private final String prefix = "redis-test:" + UUID.randomUUID() + ":";
    private final List<RedisLockFactory> factories = new CopyOnWriteArrayList<>();
    private final List<String> lost = new CopyOnWriteArrayList<>();

    private RedisServer server() {
        return redis.first();
    }

    private RedisLockFactory factory(LockOptions options) {
        RedisLockFactory f = RedisLockFactory.builder()
                .hostAndPort(server().host(), server().port())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000).build())
                .keyPrefix(prefix)
                .options(options)
                .leaseListener((n, fence) -> lost.add(n + "#" + fence))
                .build();
        factories.add(f);
        return f;
    }

    @AfterEach
    void closeFactories() {
        factories.forEach(RedisLockFactory::close);
        assertThat(RedisTestSupport.leftovers(server(), prefix)).isEmpty();
    }

    @Test
    void oneLockAndUnlockCostTwoRoundTripsAndReacquiresCostNone() {
        RedisLockFactory f = factory(LockOptions.defaults());
        RedisLock lock = f.getLock("round-trips");
        lock.lock();   // warm-up: connection set-up and script loading
        lock.unlock();
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            jedis.configResetStat();
            lock.lock();
            for (int i = 0; i < 100; i++) {
                lock.lock();
            }
            for (int i = 0; i < 100; i++) {
                lock.unlock();
            }
            lock.unlock();
            Map<String, Long> calls = RedisTestSupport.commandCalls(jedis);
            System.out.println("Redis commands for one lock+unlock with 100 nested re-acquisitions: " + calls);
            // two scripts sent; the other entries are the commands those scripts ran inside Redis
            // (acquire: ZSCORE of the given-up tokens, SET NX PX, TIME, SET ... GET of the fence;
            // release: GET, one DEL of the lease and the set of those waiting; nobody waited, so
            // nothing is announced)
            assertThat(calls).containsEntry("evalsha", 2L)
                    .containsOnlyKeys("evalsha", "zscore", "set", "time", "get", "del")
                    .containsEntry("zscore", 1L)
                    .containsEntry("set", 2L).containsEntry("get", 1L).containsEntry("time", 1L)
                    .containsEntry("del", 1L);
        }
    }

    @Test
    @io.distlock.testing.TimingSensitive
    void aReleasingProcessLetsTheWaiterOfAnotherProcessTakeTheLockFirst() throws Exception {
        // two factories are two processes to the server; each has one thread that takes the lock
        // again right after releasing it, as a loop in a service does
        java.util.concurrent.atomic.AtomicInteger run = new java.util.concurrent.atomic.AtomicInteger();
        io.distlock.testing.HandOverShares.Result r = io.distlock.testing.HandOverShares.runUntil(() -> {
            String name = "two-processes-" + run.incrementAndGet();
            return new java.util.concurrent.locks.Lock[] {
                    factory(LockOptions.defaults()).getLock(name), factory(LockOptions.defaults()).getLock(name)};
        }, 600, 200, 60, x -> x.changes > x.contended * 7L / 10 && x.firstShare >= 0.4 && x.firstShare <= 0.6, 3);
        long changes = r.changes;
        double share = r.firstShare;
        System.out.println("two processes on one name: " + r);
        // measured: 83%..90% with the reservation; 45%..57% without it (the releasing side, one
        // round trip away, took the lock back about every other time)
        assertThat(changes).as("changes of owner").isGreaterThan(r.contended * 7L / 10);
        assertThat(share).as("first side's share").isBetween(0.4, 0.6);
    }

    @Test
    void aWaiterThatGaveUpLeavesTheSetOfWaitersSoTheReleaseHoldsNothingBack() throws Exception {
        RedisLockFactory a = factory(LockOptions.defaults());
        RedisLockFactory b = factory(LockOptions.defaults());
        String name = "gave-up";
        RedisLock lock = a.getLock(name);
        RedisLock other = b.getLock(name);
        String waiting = prefix + "{" + name + "}:w";
        RedisBackend releaser = RedisTestSupport.backendOf(a);
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            lock.lock();
            // one waiter interrupted, then three that time out
            java.util.concurrent.atomic.AtomicReference<Throwable> outcome = new java.util.concurrent.atomic.AtomicReference<>();
            Thread interrupted = new Thread(() -> {
                try {
                    outcome.set(new AssertionError("acquired: " + other.tryLock(60, TimeUnit.SECONDS)));
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            interrupted.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> jedis.scard(waiting) == 1);
            interrupted.interrupt();
            interrupted.join(10_000);
            assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> jedis.scard(waiting) == 0);
            for (int i = 0; i < 3; i++) {
                CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> tryFor(other, 1_000));
                await().atMost(Duration.ofSeconds(10)).until(() -> jedis.scard(waiting) == 1);
                assertThat(waiter.get(10, TimeUnit.SECONDS)).isFalse();
                // the waiter that gave up takes its token out again (in the background)
                await().atMost(Duration.ofSeconds(10)).until(() -> jedis.scard(waiting) == 0);
            }
            lock.unlock();
            // nobody waits any more: the release reserves the lock for nobody, so the releaser's
            // next lock() is not held back
            assertThat(releaser.reservedForOthersMillis(name)).as("a reservation for waiters that left").isZero();
            lock.lock();
            lock.unlock();
            assertThat(lock.tryLock()).isTrue();
            lock.unlock();
            assertThat(jedis.exists(waiting)).isFalse();
            assertThat(releaser.reservedForOthersMillis(name)).isZero();
        }
    }

    @Test
    void aWaiterWhoseLastAttemptGotNoAnswerLeavesTheSetOfWaitersOnceTheServerAnswersAgain() throws Exception {
        RedisLockFactory a = factory(LockOptions.defaults());
        RedisLockFactory b = factory(LockOptions.defaults());
        String name = "unanswered-waiter";
        String waiting = prefix + "{" + name + "}:w";
        RedisLock lock = a.getLock(name);
        RedisLock other = b.getLock(name);
        lock.lock();
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            CompletableFuture<Object> waiter = CompletableFuture.supplyAsync(() -> {
                try {
                    return other.tryLock(1_500, TimeUnit.MILLISECONDS);
                } catch (LockBackendException e) {
                    return e;
                } catch (InterruptedException e) {
                    return e;
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> jedis.scard(waiting) == 1);
            // frozen until the waiter has given up: its attempt at the deadline gets no answer,
            // so its token goes to the clean-up as an unknown outcome, not as a withdrawal
            server().pause();
            Object outcome;
            try {
                outcome = waiter.get(30, TimeUnit.SECONDS);
            } finally {
                server().resume();
            }
            System.out.println("waiter whose last attempt got no answer: " + outcome);
            assertThat(outcome).satisfiesAnyOf(o -> assertThat(o).isEqualTo(false),
                    o -> assertThat(o).isInstanceOf(LockBackendException.class));
            // the clean-up's release finds the token owns nothing and takes it out of the set
            await().atMost(Duration.ofSeconds(15)).until(() -> jedis.scard(waiting) == 0);
        } finally {
            lock.unlock();
        }
    }

    @Test
    void aReleaseHeldBackForTheWaiterOfAFrozenJvmStillLetsATimedTryLockTakeTheFreeLock() throws Exception {
        // ReentrantLock.tryLock(timeout) on a lock nobody holds returns true; here the lock is
        // free but held back by the releasing factory for a waiter of another JVM that cannot take it
        RedisLockFactory f = factory(LockOptions.defaults());
        String name = "frozen-waiter";
        String waiting = prefix + "{" + name + "}:w";
        // warmed up: the first release of a JVM loads classes for longer than the window lasts
        RedisLock warmUp = f.getLock(name + "-warm-up");
        warmUp.lock();
        warmUp.unlock();
        RedisLock lock = f.getLock(name);
        lock.lock();
        boolean conclusive;
        try (Jedis jedis = RedisTestSupport.connect(server());
             io.distlock.testing.JvmProcess waiter = io.distlock.testing.JvmProcess.start(io.distlock.LockWorker.class,
                     "redis:" + server().host() + ":" + server().port(), prefix, "hold", name, "30000")) {
            // the other JVM waits in lock(), marked on the server as waiting, and then stops
            await().atMost(Duration.ofSeconds(60)).until(() -> jedis.scard(waiting) == 1);
            waiter.freeze();
            RedisBackend backend = RedisTestSupport.backendOf(f);
            try {
                long released = System.nanoTime();
                lock.unlock();   // held back for the frozen waiter, which cannot take it
                long ttl = backend.reservedForOthersMillis(name);
                long before = System.nanoTime();
                boolean got = lock.tryLock(2, TimeUnit.MILLISECONDS);
                long returned = System.nanoTime();
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(returned - before);
                // a lock taken only after the reservation ran out (a machine too slow to call
                // tryLock within the window, at least 10 ms) shows nothing
                conclusive = !got || TimeUnit.NANOSECONDS.toMillis(returned - released) < ttl;
                System.out.printf("reservation for a frozen waiter: %d ms left after the release; tryLock(2 ms)"
                        + " %s after %d ms (%d ms after the release began)%n", ttl, got, tookMillis,
                        TimeUnit.NANOSECONDS.toMillis(returned - released));
                // (checked only now: AssertJ's first use here loads classes for longer than the window)
                assertThat(ttl).as("the release reserved the lock for the waiter").isPositive();
                // as ReentrantLock.tryLock(timeout): a lock nobody holds is taken within the time
                assertThat(got).as("tryLock(2 ms) on a lock nobody holds").isTrue();
                assertThat(lock.isHeldByCurrentThread()).isTrue();
                assertThat(tookMillis).isLessThan(2_000);
                lock.unlock();
            } finally {
                waiter.thaw();
            }
            // thawed, the waiter gets the lock and lets it go
            assertThat(waiter.awaitLine("LOCKED", Duration.ofSeconds(60))).startsWith("LOCKED");
            waiter.send("unlock");
            assertThat(waiter.awaitLine("UNLOCKED", Duration.ofSeconds(30))).isEqualTo("UNLOCKED");
            assertThat(waiter.waitFor(Duration.ofSeconds(30))).isZero();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(conclusive, "the reservation ran out before tryLock took the lock");
    }

    @Test
    void aNonFairReleaseWakesAFairWaiterThatFoundTheLockFreeBehindAHeadThatLeft() throws Exception {
        // a fair waiter that finds the lock free behind a queued head is told to try again in 2 s
        // (its place's refresh); if a non-fair factory then takes the lock and the head leaves,
        // only the non-fair release can wake it: that release is announced only when someone is
        // in the set of those waiting, so the fair waiter must be in it
        RedisLockFactory fairSide = factory(LockOptions.builder().fair(true).build());
        RedisLockFactory nonFair = factory(LockOptions.defaults());
        String name = "fair-behind-a-head";
        LockKeys k = LockKeys.of(prefix, name);
        RedisLock other = nonFair.getLock(name);
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            // a head that never tries (its JVM stands still), queued before anyone
            String head = "0123456789abcdef0123456789abcdef";
            jedis.zadd(k.fairQueue(), 1, head);
            jedis.psetex(k.fairAlivePrefix() + head, 60_000, "1");
            java.util.concurrent.atomic.AtomicReference<Thread> waiterThread = new java.util.concurrent.atomic.AtomicReference<>();
            CompletableFuture<Long> acquiredAt = CompletableFuture.supplyAsync(() -> {
                waiterThread.set(Thread.currentThread());
                RedisLock lock = fairSide.getLock(name);
                lock.lock();
                long at = System.nanoTime();
                lock.unlock();
                return at;
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> jedis.zcard(k.fairQueue()) == 2 && waiterThread.get() != null);
            io.distlock.testing.Waiter.awaitParked(waiterThread.get());
            assertThat(jedis.sismember(k.waiting(), jedis.zrange(k.fairQueue(), 1, 1).get(0)))
                    .as("the fair waiter is in the set of those waiting").isTrue();
            assertThat(other.tryLock()).isTrue();
            // the head leaves (as a withdrawal would take it out)
            jedis.zrem(k.fairQueue(), head);
            jedis.del(k.fairAlivePrefix() + head);
            long released = System.nanoTime();
            other.unlock();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(acquiredAt.get(10, TimeUnit.SECONDS) - released);
            System.out.println("fair waiter behind a head that left: took the lock " + tookMillis
                    + " ms after the non-fair release");
            // woken by the release, not by its 2 s re-check
            assertThat(tookMillis).isLessThan(1_000);
        }
    }

    @Test
    void fairWaitersThatGiveUpLeaveTheSetOfWaiters() throws Exception {
        RedisLockFactory f = factory(LockOptions.builder().fair(true).build());
        RedisLockFactory other = factory(LockOptions.builder().fair(true).build());
        String name = "fair-gave-up";
        RedisLock holder = f.getLock(name);
        holder.lock();
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            String waiting = prefix + "{" + name + "}:w";
            for (int i = 0; i < 5; i++) {
                assertThat(CompletableFuture.supplyAsync(() -> tryFor(other.getLock(name), 100))
                        .get(10, TimeUnit.SECONDS)).isFalse();
            }
            // each withdrawal (in the background) takes its token out again: on a lock that stays
            // contended the set would otherwise grow with every waiter that gave up
            await().atMost(Duration.ofSeconds(10)).until(() -> jedis.scard(waiting) == 0);
        } finally {
            holder.unlock();
        }
    }

    @Test
    void aFairLocksReleaseWakesOnlyTheHeadOfItsQueue() throws Exception {
        RedisLockFactory f = factory(LockOptions.builder().fair(true).build());
        String name = "fair-head";
        RedisLock holder = f.getLock(name);
        holder.lock();
        int waiters = 8;
        java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<Thread> threads = new java.util.ArrayList<>();
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            for (int i = 0; i < waiters; i++) {
                Thread t = new Thread(() -> {
                    RedisLock lock = f.getLock(name);
                    lock.lock();
                    try {
                        first.countDown();
                        go.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        lock.unlock();
                    }
                }, "fair-waiter-" + i);
                threads.add(t);
                t.start();
                int queued = i + 1;
                await().atMost(Duration.ofSeconds(10)).until(() -> jedis.zcard(prefix + "{" + name + "}:fq") == queued);
            }
            threads.forEach(io.distlock.testing.Waiter::awaitParked);   // every waiter watches its own token
            jedis.configResetStat();
            holder.unlock();
            assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(100);
            Map<String, Long> calls = RedisTestSupport.commandCalls(jedis);
            System.out.println("Redis commands around one release under " + waiters + " fair waiters: " + calls);
            // the release and the head's one attempt (a waiter's periodic refresh, every 2 s, may
            // fall in the window too); waking every waiter would cost one attempt each
            assertThat(calls.getOrDefault("evalsha", 0L)).as("scripts run").isBetween(2L, 4L);
            assertThat(calls.get("publish")).isEqualTo(1L);
        } finally {
            go.countDown();
            for (Thread t : threads) {
                t.join(30_000);
            }
        }
    }

    @Test
    void theFenceCounterIsTheServerClockInMicrosecondsAndStaysAboveACounterAheadOfIt() {
        RedisLockFactory f = factory(LockOptions.defaults());
        String name = "fence-clock";
        RedisLock lock = f.getLock(name);
        String fenceKey = LockKeys.of(prefix, name).fence();
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            // no counter yet: the server's clock in microseconds, all of its digits
            List<String> time = jedis.time();
            long before = Long.parseLong(time.get(0)) * 1_000_000L + Long.parseLong(time.get(1));
            lock.lock();
            long first = lock.getFencingToken() >> 10;
            lock.unlock();
            time = jedis.time();
            long after = Long.parseLong(time.get(0)) * 1_000_000L + Long.parseLong(time.get(1));
            assertThat(first).isBetween(before, after);
            assertThat(jedis.get(fenceKey)).isEqualTo(Long.toString(first));
            // a counter ahead of the clock (a clock stepped back, or a counter restored from
            // elsewhere): last + 1, written back
            long ahead = after + 1_000_000_000L;
            jedis.set(fenceKey, Long.toString(ahead));
            lock.lock();
            assertThat(lock.getFencingToken() >> 10).isEqualTo(ahead + 1);
            lock.unlock();
            assertThat(jedis.get(fenceKey)).isEqualTo(Long.toString(ahead + 1));
            lock.lock();
            assertThat(lock.getFencingToken() >> 10).isEqualTo(ahead + 2);
            lock.unlock();
            // a counter with fewer digits than the clock is below it
            jedis.set(fenceKey, "7");
            lock.lock();
            assertThat(lock.getFencingToken() >> 10).isGreaterThan(after);
            lock.unlock();
        }
    }

    @Test
    void leaseKeyFencingKeyAndChannelShareOneClusterSlot() {
        RedisLockFactory f = factory(LockOptions.defaults());
        RedisBackend backend = new RedisBackend(RedisClient.create(server().host(), server().port()), true, prefix, 60_000, "test", 6_000_000_000L, false);
        try {
            List<String> names = List.of("plain", "with{braces}", "}odd{", "{}", "a\\(b", "a{b", "über/ключ");
            assertThat(names.stream().map(n -> backend.keys(n).lock()).distinct()).hasSameSizeAs(names);
            for (String name : names) {
                String key = backend.keys(name).lock();
                assertThat(JedisClusterCRC16.getSlot(backend.keys(name).fence())).isEqualTo(JedisClusterCRC16.getSlot(key));
                RedisLock lock = f.getLock(name);
                lock.lock();
                try (Jedis jedis = RedisTestSupport.connect(server())) {
                    assertThat(jedis.exists(key)).isTrue();
                    assertThat(jedis.pttl(key)).isBetween(1L, 30_000L);
                    assertThat(jedis.get(key)).hasSize(32).matches("[0-9a-f]{32}");
                    // the server's counter in the high bits; the low ten bits number the holders of one lease
                    assertThat(Long.parseLong(jedis.get(backend.keys(name).fence())) << 10).isEqualTo(lock.getFencingToken());
                } finally {
                    lock.unlock();
                }
            }
        } finally {
            backend.close();
        }
    }

    @Test
    void everyAcquisitionWritesAFreshToken() {
        RedisLockFactory f = factory(LockOptions.defaults());
        RedisLock lock = f.getLock("tokens");
        java.util.Set<String> tokens = new java.util.HashSet<>();
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            for (int i = 0; i < 20; i++) {
                lock.lock();
                tokens.add(jedis.get(prefix + "{tokens}"));
                lock.unlock();
            }
        }
        assertThat(tokens).hasSize(20);
    }

    @Test
    void scriptsAreReloadedWhenTheServerForgetsThem() {
        RedisLockFactory f = factory(LockOptions.defaults());
        RedisLock lock = f.getLock("noscript");
        lock.lock();
        lock.unlock();
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            jedis.scriptFlush();
        }
        lock.lock();
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        lock.unlock();
    }

    @Test
    void aLockKeyDeletedBehindTheHoldersBackIsReportedLost() {
        RedisLockFactory f = factory(LockOptions.builder().leaseTime(Duration.ofMillis(600)).build());
        RedisLock lock = f.getLock("deleted");
        lock.lock();
        long fence = lock.getFencingToken();
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            jedis.del(prefix + "{deleted}");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> lost.contains("deleted#" + fence));
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        assertThatThrownBy(lock::unlock).isInstanceOf(LeaseLostException.class);
    }

    /**
     * The server's check, not the holder's own estimate: the lock key is deleted behind a holder
     * whose lease still looks valid locally, another JVM takes the lock, and the stale holder's
     * signal must be refused by the server and wake nobody.
     */
    @Test
    void aSignalFromAHolderWhoseKeyIsGoneIsRefusedByTheServerAndWakesNobody() throws Exception {
        RedisLockFactory waiterJvm = factory(LockOptions.defaults());
        RedisLock waiterLock = waiterJvm.getLock("stale-signal");
        java.util.concurrent.locks.Condition waiterCondition = waiterLock.newCondition("c");
        java.util.concurrent.CountDownLatch queued = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            waiterLock.lock();
            try {
                queued.countDown();
                return waiterCondition.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                waiterLock.unlock();
            }
        });
        assertThat(queued.await(20, TimeUnit.SECONDS)).isTrue();
        RedisLock stale = factory(LockOptions.defaults()).getLock("stale-signal");
        java.util.concurrent.locks.Condition staleCondition = stale.newCondition("c");
        stale.lock();
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            jedis.del(prefix + "{stale-signal}");
        }
        RedisLock other = factory(LockOptions.defaults()).getLock("stale-signal");
        java.util.concurrent.ExecutorService otherJvm = java.util.concurrent.Executors.newSingleThreadExecutor();
        assertThat(otherJvm.submit(() -> other.tryLock()).get(20, TimeUnit.SECONDS)).isTrue();
        assertThat(stale.isHeldByCurrentThread()).as("the stale holder's own estimate still says held").isTrue();
        assertThatThrownBy(staleCondition::signal).isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(stale::unlock).isInstanceOf(LeaseLostException.class);
        // the server still counts the waiter as queued and alive (a signal takes it off the queue
        // and deletes its alive key in the same script that announces the wake-up)
        assertThat(otherJvm.submit(() -> other.getWaitQueueLength(other.newCondition("c"))).get(20, TimeUnit.SECONDS))
                .as("the refused signal woke nobody: still queued on the server").isEqualTo(1);
        assertThat(waiter.isDone()).as("the refused signal woke nobody").isFalse();
        try {
            otherJvm.submit((Runnable) () -> {
                other.newCondition("c").signal();
                other.unlock();
            }).get(20, TimeUnit.SECONDS);
        } finally {
            otherJvm.shutdown();
        }
        assertThat(waiter.get(30, TimeUnit.SECONDS)).as("the holder's signal wakes it").isTrue();
    }

    @Test
    void fencingTokensKeepGrowingAfterARestartThatLostTheData() {
        RedisLockFactory f = factory(LockOptions.defaults());
        RedisLock lock = f.getLock("fence-restart");
        lock.lock();
        long before = lock.getFencingToken();
        lock.unlock();
        server().kill();
        server().restart();
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            assertThat(jedis.dbSize()).as("data lost by the restart").isZero();
        }
        long after = acquireAfterRestart(lock);
        assertThat(after).isGreaterThan(before);
    }

    private static long acquireAfterRestart(RedisLock lock) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() - end < 0) {
            try {
                lock.lock();
                try {
                    return lock.getFencingToken();
                } finally {
                    lock.unlock();
                }
            } catch (LockBackendException e) {
                // pooled connections to the old process fail once each
            }
        }
        throw new AssertionError("could not lock within 20 s of the restart");
    }

    @Test
    void aHolderLearnsThatARestartLostItsLease() {
        RedisLockFactory f = factory(LockOptions.builder().leaseTime(Duration.ofSeconds(1)).build());
        RedisLock lock = f.getLock("restart-holder");
        lock.lock();
        long fence = lock.getFencingToken();
        server().kill();
        server().restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> lost.contains("restart-holder#" + fence));
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        assertThatThrownBy(lock::unlock).isInstanceOf(LeaseLostException.class);
        assertThat(lock.getHoldCount()).isZero();
    }

    @Test
    void aWaiterSurvivesARestartWithTheLockOrAClearErrorBeforeItsDeadline() throws Exception {
        RedisLockFactory holderJvm = factory(LockOptions.defaults());
        RedisLockFactory waiterJvm = factory(LockOptions.defaults());
        Holder holder = Holder.hold(holderJvm.getLock("restart-waiter"));
        long timeoutMs = 8_000;
        java.util.concurrent.atomic.AtomicReference<Thread> waiting = new java.util.concurrent.atomic.AtomicReference<>();
        CompletableFuture<String> timed = CompletableFuture.supplyAsync(() -> {
            waiting.set(Thread.currentThread());
            RedisLock lock = waiterJvm.getLock("restart-waiter");
            try {
                if (lock.tryLock(timeoutMs, TimeUnit.MILLISECONDS)) {
                    lock.unlock();
                    return "acquired";
                }
                return "timed out";
            } catch (LockBackendException e) {
                return "backend error";
            } catch (InterruptedException e) {
                return "interrupted";
            }
        });
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).until(() -> waiting.get() != null);
        io.distlock.testing.Waiter.awaitParked(waiting.get());   // waiting for the holder
        server().kill();
        Thread.sleep(1_000);   // the server is away this long (the fault, not a wait for a state)
        server().restart();
        // deadline plus one socket timeout for a call under way, plus slack for a busy machine
        String outcome = timed.get(timeoutMs + 2_000 + 5_000, TimeUnit.MILLISECONDS);
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("waiter across a Redis restart: " + outcome + " after " + elapsed + " ms");
        assertThat(outcome).isIn("acquired", "backend error");
        assertThat(elapsed).isLessThan(timeoutMs + 2_000 + 2_000);
        Throwable holderOutcome = holder.release();
        assertThat(holderOutcome).isInstanceOf(LeaseLostException.class);
    }

    @Test
    void lockWithoutDeadlineAcrossARestartEndsWithTheLockOrAClearError() throws Exception {
        RedisLockFactory holderJvm = factory(LockOptions.defaults());
        RedisLockFactory waiterJvm = factory(LockOptions.builder().retryCount(2).retryDelay(Duration.ofMillis(100)).build());
        Holder holder = Holder.hold(holderJvm.getLock("restart-lock"));
        java.util.concurrent.atomic.AtomicReference<Thread> waiting = new java.util.concurrent.atomic.AtomicReference<>();
        CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> {
            waiting.set(Thread.currentThread());
            RedisLock lock = waiterJvm.getLock("restart-lock");
            try {
                lock.lock();
                lock.unlock();
                return "acquired";
            } catch (LockBackendException e) {
                return "backend error: " + e.getMessage();
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> waiting.get() != null);
        io.distlock.testing.Waiter.awaitParked(waiting.get());   // waiting for the holder
        server().kill();
        Thread.sleep(1_500);   // the server is away this long (the fault, not a wait for a state)
        server().restart();
        String outcome = waiter.get(30, TimeUnit.SECONDS);
        System.out.println("lock() across a Redis restart: " + outcome);
        assertThat(outcome).satisfiesAnyOf(
                o -> assertThat(o).isEqualTo("acquired"),
                o -> assertThat(o).startsWith("backend error: RedisLockFactory: could not acquire lock 'restart-lock'"));
        holder.release();
    }

    @Test
    void aSuppliedClientIsUsedButNotClosed() {
        try (RedisClient client = RedisClient.create(server().host(), server().port())) {
            RedisLockFactory f = RedisLockFactory.builder().client(client).keyPrefix(prefix).build();
            RedisLock lock = f.getLock("supplied");
            lock.lock();
            lock.unlock();
            f.close();
            assertThat(client.ping()).isEqualTo("PONG");
        }
    }

    @Test
    void theBuilderRejectsIncompleteOrContradictorySettings() {
        assertThatThrownBy(() -> RedisLockFactory.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("exactly one of");
        try (RedisClient client = RedisClient.create(server().host(), server().port())) {
            assertThatThrownBy(() -> RedisLockFactory.builder().client(client).hostAndPort("127.0.0.1", 1).build())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("exactly one of");
            assertThatThrownBy(() -> RedisLockFactory.builder().client(client)
                    .clientConfig(DefaultJedisClientConfig.builder().build()).build())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("clientConfig");
        }
        assertThatThrownBy(() -> RedisLockFactory.builder().hostAndPort("127.0.0.1", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> RedisLockFactory.builder().hostAndPort(null, 6379))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("host");
        assertThatThrownBy(() -> RedisLockFactory.builder().keyPrefix(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("keyPrefix");
        assertThatThrownBy(() -> RedisLockFactory.builder().keyPrefix("app{1}:"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyPrefix");
        assertThatThrownBy(() -> RedisLockFactory.builder().fencingRetention(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fencingRetention");
        assertThatThrownBy(() -> RedisLockFactory.builder().options(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("options");
        // sentinels have no databases; a pool wait of zero or too long for the lease
        assertThatThrownBy(() -> RedisLockFactory.builder().sentinelClientConfig(
                DefaultJedisClientConfig.builder().database(2).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("database 2");
        assertThatThrownBy(() -> RedisLockFactory.builder().poolMaxWait(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 ms");
        assertThatThrownBy(() -> RedisLockFactory.builder().hostAndPort(server().host(), server().port())
                .options(io.distlock.LockOptions.builder().leaseTime(Duration.ofSeconds(9)).build())
                .poolMaxWait(Duration.ofSeconds(2)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("too long for the lease");
    }

    private static boolean tryFor(RedisLock lock, long millis) {
        try {
            boolean got = lock.tryLock(millis, TimeUnit.MILLISECONDS);
            if (got) {
                lock.unlock();
            }
            return got;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
