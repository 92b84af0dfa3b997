package io.distlock.jmh;

import io.distlock.DistributedLock;
import io.distlock.DistributedLockFactory;
import io.distlock.etcd.EtcdFlavour;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * Signal-to-wake latency of a distributed condition across two JVMs: a child JVM holds the lock
 * and awaits condition "c"; this JVM takes the lock (which it can only do once the child's await
 * has queued it and given the lock back), notes the time and signals; the child notes when its
 * await returned, holding the lock again. The latency is the difference (wall clock in
 * microseconds, comparable across processes on one machine), so it includes the child's
 * re-acquisition. JMH cannot host two JVMs, hence this small harness. Run:
 * {@code java -Ddistlock.redis=.. -Ddistlock.etcd=.. -cp target/benchmarks.jar io.distlock.jmh.CrossProcessSignal [rounds]}.
 */
public final class CrossProcessSignal {

    private CrossProcessSignal() {
    }

    private static DistributedLockFactory factory(Candidates.Clients clients, String impl) {
        return switch (impl) {
            case "RedisLock" -> clients.redisLocks();
            case "EtcdLockTxn" -> clients.etcdLocks(EtcdFlavour.TRANSACTION);
            case "EtcdLockService" -> clients.etcdLocks(EtcdFlavour.LOCK_SERVICE);
            default -> throw new IllegalArgumentException(impl);
        };
    }

    /** Child: ROUNDS times lock, print "AWAIT", await, print "WOKE micros", unlock. */
    static void child(String impl, String prefix, int rounds) throws Exception {
        try (Candidates.Clients clients = new Candidates.Clients(prefix)) {
            DistributedLock lock = factory(clients, impl).getLock("signal");
            Condition c = lock.newCondition("c");
            for (int i = 0; i < rounds; i++) {
                lock.lock();
                try {
                    System.out.println("AWAIT");
                    c.await();
                    System.out.println("WOKE " + CrossProcessHandoff.micros());
                } finally {
                    lock.unlock();
                }
            }
            System.out.println("END");
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(args[1], args[2], Integer.parseInt(args[3]));
            System.exit(0);
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        for (String impl : List.of("RedisLock", "EtcdLockTxn", "EtcdLockService")) {
            run(impl, Candidates.onEtcd(impl) ? Math.max(rounds / 5, 20) : rounds);
        }
        System.exit(0);
    }

    private static void run(String impl, int rounds) throws Exception {
        String prefix = "signal-" + UUID.randomUUID() + "-";
        Process child = new ProcessBuilder(Candidates.childCommand(CrossProcessSignal.class, "child", impl, prefix,
                Integer.toString(rounds)))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<Long> latencies = new ArrayList<>();
        try (Candidates.Clients clients = new Candidates.Clients(prefix);
             BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            DistributedLock lock = factory(clients, impl).getLock("signal");
            Condition c = lock.newCondition("c");
            long signalledAt = 0;
            for (String line; (line = r.readLine()) != null && !line.equals("END"); ) {
                if (line.equals("AWAIT")) {
                    lock.lock();
                    try {
                        signalledAt = CrossProcessHandoff.micros();
                        c.signal();
                    } finally {
                        lock.unlock();
                    }
                } else if (line.startsWith("WOKE ")) {
                    latencies.add(Long.parseLong(line.substring(5)) - signalledAt);
                }
            }
        }
        child.waitFor(5, TimeUnit.MINUTES);
        // the first tenth of the rounds (in arrival order) warms both JVMs up
        List<Long> measured = new ArrayList<>(latencies.subList(latencies.size() / 10, latencies.size()));
        measured.sort(Long::compare);
        System.out.printf("%-16s %4d signals: signal-to-wake (re-acquired) latency us: p50 %d, p90 %d, p99 %d, max %d%n",
                impl, measured.size(), CrossProcessHandoff.pct(measured, 50), CrossProcessHandoff.pct(measured, 90),
                CrossProcessHandoff.pct(measured, 99), measured.get(measured.size() - 1));
    }
}
