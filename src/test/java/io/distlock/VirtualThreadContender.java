package io.distlock;

import io.distlock.etcd.EtcdLockFactory;
import io.distlock.redis.RedisLockFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.RedisClient;

/**
 * The other JVM of {@link VirtualThreadTest}'s cross-process test: many virtual threads contend
 * for a few names, each critical section incrementing a per-name counter on Redis by GET and SET
 * (a lost update shows an overlap). Args: host, port, key prefix, names, threads, rounds, and
 * optionally etcd endpoints (comma-separated): then the locks are etcd's, else Redis'. Prints
 * READY, waits for GO on standard input, then prints DONE and the acquisitions it made.
 */
public final class VirtualThreadContender {

    private VirtualThreadContender() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String prefix = args[2];
        int names = Integer.parseInt(args[3]);
        int threads = Integer.parseInt(args[4]);
        int rounds = Integer.parseInt(args[5]);
        DistributedLockFactory factory = args.length > 6
                ? EtcdLockFactory.builder().endpoints(args[6].split(",")).keyPrefix(prefix).build()
                : RedisLockFactory.builder().hostAndPort(host, port).keyPrefix(prefix).build();
        try (DistributedLockFactory locks = factory;
             RedisClient counters = RedisClient.builder().hostAndPort(host, port).build()) {
            System.out.println("READY");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            long count = contend(locks, counters, prefix, names, threads, rounds);
            System.out.println("DONE " + count);
        }
        System.exit(0);
    }

    /** Runs the contention on virtual threads; returns the acquisitions made. */
    static long contend(DistributedLockFactory locks, RedisClient counters, String prefix, int names, int threads,
                        int rounds) throws Exception {
        ExecutorService vts = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        try {
            List<Future<Integer>> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String name = "n" + (t % names);
                all.add(vts.submit(() -> {
                    DistributedLock lock = locks.getLock(name);
                    for (int i = 0; i < rounds; i++) {
                        lock.lock();
                        try {
                            String key = prefix + "counter:" + name;
                            String v = counters.get(key);
                            counters.set(key, Long.toString((v == null ? 0 : Long.parseLong(v)) + 1));
                        } finally {
                            lock.unlock();
                        }
                    }
                    return rounds;
                }));
            }
            long n = 0;
            for (Future<Integer> f : all) {
                n += f.get(150, TimeUnit.SECONDS);
            }
            return n;
        } finally {
            vts.shutdownNow();
        }
    }
}
