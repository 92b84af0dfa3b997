package io.distlock.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.testing.EtcdServers;
import io.distlock.testing.JvmProcess;
import io.distlock.testing.RedisServer;
import io.distlock.testing.RedisServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real client on real failures: Spring Integration's {@code LockRegistryLeaderInitiator}, code
 * nobody on this project wrote, electing a leader among three JVMs over
 * {@link DistributedLockRegistry}, while the leader is killed (SIGKILL), frozen past its lease
 * (SIGSTOP, then SIGCONT) and, on Redis, the server restarted without its data.
 *
 * <p>What a user of leader election relies on, checked on the JVMs' own reports:
 * <ul>
 *   <li>a killed leader is replaced within its lease (plus a heartbeat);</li>
 *   <li>a leader whose lease was lost (frozen past it, or forgotten by a restarted server) is
 *       revoked within one heartbeat plus one renewal interval of running again (it heartbeats
 *       by a re-entrant {@code tryLock}, which a lost lease refuses);</li>
 *   <li>no two JVMs believe they lead, at the same time and while running, for longer than that
 *       bound (a frozen JVM believes nothing while it is stopped);</li>
 *   <li>every new leader's fencing token is greater than every earlier leader's.</li>
 * </ul>
 * Before a lost lease was final for its hold, the frozen leader kept leading next to the new one
 * for as long as both ran.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class LeaderElectionTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    static final long LEASE_MILLIS = 2_000;
    static final long HEARTBEAT_MILLIS = 500;
    /** One heartbeat plus one renewal interval (a third of the lease). */
    static final long BOUND_MILLIS = HEARTBEAT_MILLIS + LEASE_MILLIS / 3;
    /** For a loaded 2-core machine running three JVMs, a server and the build. */
    static final long MARGIN_MILLIS = 2_500;
    static final Duration EVENT_WAIT = Duration.ofSeconds(40);

    @Test
    void leaderElectionOnRedisSurvivesAKilledAFrozenLeaderAndARestartWithoutData() throws Exception {
        RedisServer server = redis.first();
        try (Fleet fleet = new Fleet("redis", server.host() + ":" + server.port())) {
            Event first = fleet.electFirst();
            Event second = fleet.killLeader(first);
            Event third = fleet.freezeLeaderPastItsLease(second);
            // the server forgets every key: the leader learns it at its next renewal
            server.restart();
            long restarted = System.currentTimeMillis();
            Event revoked = fleet.await(e -> e.jvm == third.jvm && e.revoked() && e.at >= third.at);
            System.out.println("restart: the leader revoked " + (revoked.at - restarted) + " ms after the server was back");
            assertThat(revoked.at - restarted).as("revoked after the restart, ms")
                    .isLessThanOrEqualTo(BOUND_MILLIS + MARGIN_MILLIS);
            Event next = fleet.await(e -> e.granted() && e.at > third.at);
            assertThat(next.fence).as("token of the leader after the restart").isGreaterThan(third.fence);
            fleet.checkHistory();
        }
    }

    @Test
    void leaderElectionOnEtcdSurvivesAKilledAndAFrozenLeader() throws Exception {
        try (Fleet fleet = new Fleet("etcd", etcd.get().endpoints().get(0))) {
            Event first = fleet.electFirst();
            Event second = fleet.killLeader(first);
            fleet.freezeLeaderPastItsLease(second);
            fleet.checkHistory();
        }
    }

    /** One line a candidate printed. */
    private static final class Event {
        final int jvm;
        final String kind;
        final long at;
        final long fence;

        Event(int jvm, String line) {
            String[] parts = line.split(" ");
            this.jvm = jvm;
            this.kind = parts[0];
            this.at = Long.parseLong(parts[1]);
            this.fence = parts.length > 2 ? Long.parseLong(parts[2]) : 0;
        }

        boolean granted() {
            return kind.equals("GRANTED");
        }

        boolean revoked() {
            return kind.equals("REVOKED");
        }

        @Override
        public String toString() {
            return "jvm" + jvm + " " + kind + " " + at + (fence > 0 ? " fence " + fence : "");
        }
    }

    /** Three candidate JVMs and what they report, in the order it was read. */
    private static final class Fleet implements AutoCloseable {
        private final String backend;
        private final String address;
        private final String prefix = "leader-" + UUID.randomUUID() + "/";
        private final List<JvmProcess> jvms = new CopyOnWriteArrayList<>();
        private final List<Thread> readers = new CopyOnWriteArrayList<>();
        private final List<Event> history = new CopyOnWriteArrayList<>();
        /** Per JVM: when it was killed, frozen and thawed (epoch ms; 0 if not). */
        private final List<long[]> faults = new CopyOnWriteArrayList<>();
        private volatile boolean closed;

        Fleet(String backend, String address) {
            this.backend = backend;
            this.address = address;
            for (int i = 0; i < 3; i++) {
                start();
            }
        }

        private void start() {
            int index = jvms.size();
            JvmProcess p = JvmProcess.start(LeaderCandidateMain.class, backend, address, prefix,
                    Long.toString(LEASE_MILLIS), Long.toString(HEARTBEAT_MILLIS));
            jvms.add(p);
            faults.add(new long[3]);
            p.awaitLine("READY", Duration.ofSeconds(60));
            Thread reader = new Thread(() -> {
                while (!closed) {
                    String line = p.nextLine(Duration.ofMillis(200));
                    if (line != null && (line.startsWith("GRANTED ") || line.startsWith("REVOKED "))) {
                        synchronized (history) {
                            history.add(new Event(index, line));
                            history.notifyAll();
                        }
                    }
                }
            }, "leader-events-" + index);
            reader.setDaemon(true);
            reader.start();
            readers.add(reader);
        }

        /** Waits for the first event of the whole run that matches (events are never consumed). */
        Event await(Predicate<Event> wanted) throws InterruptedException {
            long deadline = System.nanoTime() + EVENT_WAIT.toNanos();
            synchronized (history) {
                while (true) {
                    for (Event e : history) {
                        if (wanted.test(e)) {
                            return e;
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new AssertionError("no such event within " + EVENT_WAIT + "; history " + history
                                + "; transcripts " + transcripts());
                    }
                    TimeUnit.NANOSECONDS.timedWait(history, left);
                }
            }
        }

        Event electFirst() throws InterruptedException {
            Event first = await(Event::granted);
            assertThat(first.fence).isPositive();
            return first;
        }

        /** Kills the leader; returns the next leader's grant, which must come within the lease. */
        Event killLeader(Event leader) throws InterruptedException {
            long killed = System.currentTimeMillis();
            faults.get(leader.jvm)[0] = killed;
            jvms.get(leader.jvm).kill();
            Event next = await(e -> e.granted() && e.jvm != leader.jvm && e.at >= killed);
            System.out.println("kill: a new leader after " + (next.at - killed) + " ms");
            assertThat(next.at - killed).as("a new leader after the old one was killed, ms")
                    .isLessThanOrEqualTo(LEASE_MILLIS + HEARTBEAT_MILLIS + MARGIN_MILLIS);
            assertThat(next.fence).isGreaterThan(leader.fence);
            start(); // three candidates again
            return next;
        }

        /**
         * Freezes the leader until another JVM has taken over (its lease ran out), then lets it
         * run: it must be revoked within the bound. Returns the new leader's grant.
         */
        Event freezeLeaderPastItsLease(Event leader) throws InterruptedException {
            JvmProcess frozen = jvms.get(leader.jvm);
            long frozenAt = System.currentTimeMillis();
            faults.get(leader.jvm)[1] = frozenAt;
            frozen.freeze();
            Event next;
            try {
                next = await(e -> e.granted() && e.jvm != leader.jvm && e.at >= frozenAt);
            } finally {
                faults.get(leader.jvm)[2] = System.currentTimeMillis();
                frozen.thaw();
            }
            long thawed = faults.get(leader.jvm)[2];
            assertThat(next.fence).isGreaterThan(leader.fence);
            Event revoked = await(e -> e.revoked() && e.jvm == leader.jvm && e.at >= leader.at);
            System.out.println("freeze: new leader " + (next.at - frozenAt) + " ms after the freeze; old one revoked "
                    + (revoked.at - thawed) + " ms after it ran again");
            assertThat(revoked.at - thawed).as("the frozen leader revoked after it ran again, ms")
                    .isLessThanOrEqualTo(BOUND_MILLIS + MARGIN_MILLIS);
            return next;
        }

        /**
         * Over the whole run: every grant's token greater than the one before, and no two JVMs
         * leading at once, while both run, for longer than the bound.
         */
        void checkHistory() {
            List<Event> grants = history.stream().filter(Event::granted).toList();
            for (int i = 1; i < grants.size(); i++) {
                assertThat(grants.get(i).fence).as("tokens in the order of the grants " + grants)
                        .isGreaterThan(grants.get(i - 1).fence);
            }
            long now = System.currentTimeMillis();
            List<long[]> terms = new ArrayList<>(); // jvm, from, to
            for (Event g : grants) {
                long end = history.stream().filter(e -> e.jvm == g.jvm && e.revoked() && e.at >= g.at)
                        .mapToLong(e -> e.at).min().orElse(now);
                long killed = faults.get(g.jvm)[0];
                if (killed > 0 && killed >= g.at) {
                    end = Math.min(end, killed);
                }
                terms.add(new long[] {g.jvm, g.at, end});
            }
            long most = 0;
            for (long[] a : terms) {
                for (long[] b : terms) {
                    if (a[0] < b[0]) {
                        long overlap = running(a, b);
                        most = Math.max(most, overlap);
                        assertThat(overlap).as("ms two JVMs led at once while running: jvm" + a[0] + " and jvm"
                                + b[0] + " in " + history).isLessThanOrEqualTo(BOUND_MILLIS + MARGIN_MILLIS);
                    }
                }
            }
            System.out.println(backend + ": at most " + most + " ms of two running leaders; history " + history);
        }

        /** The time both terms overlap, less the time either JVM was frozen. */
        private long running(long[] a, long[] b) {
            long from = Math.max(a[1], b[1]);
            long to = Math.min(a[2], b[2]);
            if (to <= from) {
                return 0;
            }
            long overlap = to - from;
            for (long[] t : List.of(a, b)) {
                long[] f = faults.get((int) t[0]);
                if (f[1] > 0) {
                    long frozenFrom = Math.max(from, f[1]);
                    long frozenTo = Math.min(to, f[2]);
                    overlap -= Math.max(0, frozenTo - frozenFrom);
                }
            }
            return overlap;
        }

        private List<List<String>> transcripts() {
            return jvms.stream().map(JvmProcess::transcript).toList();
        }

        @Override
        public void close() {
            for (JvmProcess p : jvms) {
                p.send("STOP");
            }
            for (JvmProcess p : jvms) {
                if (p.waitFor(Duration.ofSeconds(20)) == -1) {
                    p.close();
                }
            }
            closed = true;
        }
    }
}
