package io.distlock.redis;

import io.distlock.LeaseLostException;
import io.distlock.LockOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.RedisClient;

/**
 * The program the cross-process tests run in separate JVMs.
 * <pre>
 * count HOST PORT PREFIX NAME THREADS ROUNDS COUNTER_KEY
 *     THREADS threads each do ROUNDS read-modify-write increments of COUNTER_KEY (GET, pause,
 *     SET) under the lock; prints "READY", waits for "go" on stdin, prints "DONE n".
 * hold HOST PORT PREFIX NAME LEASE_MS
 *     takes the lock, prints "LOCKED fence", waits for "unlock" on stdin, prints "HELD b"
 *     (isHeldByCurrentThread before unlocking), then "UNLOCKED" or "LEASE_LOST fence".
 * </pre>
 */
public final class RedisLockWorker {

    private RedisLockWorker() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        String prefix = args[3];
        String name = args[4];
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        switch (args[0]) {
            case "count" -> count(host, port, prefix, name, Integer.parseInt(args[5]), Integer.parseInt(args[6]), args[7], stdin);
            case "hold" -> hold(host, port, prefix, name, Long.parseLong(args[5]), stdin);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.exit(0);
    }

    private static void count(String host, int port, String prefix, String name, int threads, int rounds,
                              String counterKey, BufferedReader stdin) throws Exception {
        try (RedisClient data = RedisClient.create(host, port);
             RedisLockFactory locks = RedisLockFactory.builder().hostAndPort(host, port).keyPrefix(prefix).build()) {
            System.out.println("READY");
            if (!"go".equals(stdin.readLine())) {
                throw new IllegalStateException("expected go");
            }
            List<Thread> workers = new ArrayList<>();
            int[] done = new int[threads];
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread w = new Thread(() -> {
                    RedisLock lock = locks.getLock(name);
                    for (int i = 0; i < rounds; i++) {
                        lock.lock();
                        try {
                            String seen = data.get(counterKey);
                            long v = seen == null ? 0 : Long.parseLong(seen);
                            data.set(counterKey, Long.toString(v + 1));
                            done[id]++;
                        } finally {
                            lock.unlock();
                        }
                    }
                });
                workers.add(w);
                w.start();
            }
            int total = 0;
            for (int t = 0; t < threads; t++) {
                workers.get(t).join(TimeUnit.MINUTES.toMillis(3));
                total += done[t];
            }
            System.out.println("DONE " + total);
        }
    }

    private static void hold(String host, int port, String prefix, String name, long leaseMs,
                             BufferedReader stdin) throws Exception {
        LockOptions options = LockOptions.builder().leaseTime(Duration.ofMillis(leaseMs)).build();
        try (RedisLockFactory locks = RedisLockFactory.builder().hostAndPort(host, port).keyPrefix(prefix)
                .options(options).build()) {
            RedisLock lock = locks.getLock(name);
            lock.lock();
            System.out.println("LOCKED " + lock.getFencingToken());
            if (!"unlock".equals(stdin.readLine())) {
                throw new IllegalStateException("expected unlock");
            }
            System.out.println("HELD " + lock.isHeldByCurrentThread());
            try {
                lock.unlock();
                System.out.println("UNLOCKED");
            } catch (LeaseLostException e) {
                System.out.println("LEASE_LOST " + e.getFencingToken());
            }
        }
    }
}
