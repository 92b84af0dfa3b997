package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.LockOptions;
import io.distlock.testing.JvmProcess;
import io.distlock.testing.RedisServer;
import io.distlock.testing.RedisServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** Mutual exclusion and lease recovery between separate JVM processes. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RedisCrossProcessTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    private final String prefix = "xproc:" + UUID.randomUUID() + ":";
    private final List<JvmProcess> processes = new ArrayList<>();

    private RedisServer server() {
        return redis.first();
    }

    private JvmProcess worker(String... args) {
        List<String> all = new ArrayList<>(List.of(args[0], server().host(), Integer.toString(server().port()), prefix));
        all.addAll(List.of(args).subList(1, args.length));
        JvmProcess p = JvmProcess.start(RedisLockWorker.class, all.toArray(String[]::new));
        processes.add(p);
        return p;
    }

    @AfterEach
    void stopProcesses() {
        processes.forEach(JvmProcess::close);
        assertThat(RedisTestSupport.leftovers(server(), prefix)).isEmpty();
    }

    @Test
    void threeJvmsWithFourThreadsEachNeverLoseAnUpdate() {
        int jvms = 3;
        int threads = 4;
        int rounds = 40;
        String counter = "xproc-data:" + UUID.randomUUID();
        List<JvmProcess> workers = new ArrayList<>();
        for (int i = 0; i < jvms; i++) {
            workers.add(worker("count", "shared", Integer.toString(threads), Integer.toString(rounds), counter));
        }
        for (JvmProcess w : workers) {
            w.awaitLine("READY", Duration.ofSeconds(60));
        }
        long start = System.nanoTime();
        workers.forEach(w -> w.send("go"));
        for (JvmProcess w : workers) {
            assertThat(w.awaitLine("DONE", Duration.ofSeconds(150))).isEqualTo("DONE " + threads * rounds);
            assertThat(w.waitFor(Duration.ofSeconds(30))).isZero();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        try (Jedis jedis = RedisTestSupport.connect(server())) {
            assertThat(jedis.get(counter)).isEqualTo(Integer.toString(jvms * threads * rounds));
            jedis.del(counter);
        }
        System.out.printf("%d JVMs x %d threads x %d increments under one RedisLock: exact count in %d ms%n",
                jvms, threads, rounds, ms);
    }

    @Test
    void aKilledHoldersLockIsTakenOverWhenItsLeaseRunsOut() throws Exception {
        long leaseMs = 2_000;
        JvmProcess holder = worker("hold", "killed", Long.toString(leaseMs));
        long holderFence = Long.parseLong(holder.awaitLine("LOCKED", Duration.ofSeconds(60)).split(" ")[1]);
        try (RedisLockFactory f = RedisLockFactory.builder().hostAndPort(server().host(), server().port())
                .keyPrefix(prefix).build()) {
            RedisLock lock = f.getLock("killed");
            assertThat(lock.tryLock()).isFalse();
            long killedAt = System.nanoTime();
            holder.kill();
            assertThat(lock.tryLock(20, TimeUnit.SECONDS)).isTrue();
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            try {
                assertThat(lock.getFencingToken()).isGreaterThan(holderFence);
                // the dead holder's lease had at most its full time left, and was not released early
                assertThat(waited).isLessThan(leaseMs + 3_000);
                System.out.println("lock of a SIGKILLed holder taken over " + waited + " ms after the kill");
            } finally {
                lock.unlock();
            }
        }
    }

    @Test
    void aFrozenHolderLosesItsLeaseAndItsUnlockSaysSo() throws Exception {
        long leaseMs = 1_500;
        JvmProcess holder = worker("hold", "frozen", Long.toString(leaseMs));
        long holderFence = Long.parseLong(holder.awaitLine("LOCKED", Duration.ofSeconds(60)).split(" ")[1]);
        try (RedisLockFactory f = RedisLockFactory.builder().hostAndPort(server().host(), server().port())
                .keyPrefix(prefix).options(LockOptions.defaults()).build()) {
            RedisLock lock = f.getLock("frozen");
            holder.freeze();
            long frozenAt = System.nanoTime();
            assertThat(lock.tryLock(20, TimeUnit.SECONDS)).isTrue();
            try {
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozenAt);
                long newFence = lock.getFencingToken();
                assertThat(newFence).isGreaterThan(holderFence);
                holder.thaw();
                holder.send("unlock");
                assertThat(holder.awaitLine("HELD", Duration.ofSeconds(30))).isEqualTo("HELD false");
                assertThat(holder.awaitLine("LEASE_LOST", Duration.ofSeconds(30))).isEqualTo("LEASE_LOST " + holderFence);
                assertThat(lock.isHeldByCurrentThread()).as("the new holder is unaffected").isTrue();
                System.out.printf("frozen holder (fence %d) lost its lease after %d ms; new holder's fence %d%n",
                        holderFence, waited, newFence);
            } finally {
                lock.unlock();
            }
        }
        assertThat(holder.waitFor(Duration.ofSeconds(30))).isZero();
    }
}
