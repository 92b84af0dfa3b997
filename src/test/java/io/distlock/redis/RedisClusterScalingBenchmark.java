package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.LockOptions;
import io.distlock.testing.ProcessControl;
import io.distlock.testing.RedisCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;

/**
 * Throughput of lock+unlock on distinct names against one standalone server and Redis Clusters
 * of 1, 2 and 3 masters (no replicas), each started for its round, one JVM with THREADS threads
 * over one factory. Not part
 * of the test run (the name does not match the test pattern); run it with
 * <pre>
 * mvn -o -q test -Dtest=RedisClusterScalingBenchmark -Ddistlock.bench.seconds=10 -Ddistlock.bench.threads=8
 * </pre>
 * The table goes to standard output and to {@code target/cluster-scaling.md}. On a machine with
 * fewer cores than masters plus the client, the masters share the cores with the client, which
 * the figure then shows rather than the cluster's capacity.
 */
class RedisClusterScalingBenchmark {

    @Test
    void distinctNameThroughputByNumberOfMasters() throws Exception {
        int seconds = Integer.getInteger("distlock.bench.seconds", 10);
        int threads = Integer.getInteger("distlock.bench.threads", 8);
        Path server = ProcessControl.onPath("redis-server");
        Path cli = ProcessControl.onPath("redis-cli");
        StringBuilder table = new StringBuilder("| masters | lock+unlock/s (distinct names, " + threads
                + " threads, " + seconds + " s) | per master |\n|---|---|---|\n");
        try (io.distlock.testing.RedisServer single = io.distlock.testing.RedisServer.startLocal(server);
             RedisLockFactory locks = RedisLockFactory.builder().hostAndPort(single.host(), single.port())
                     .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000).build())
                     .keyPrefix("scale:").options(LockOptions.defaults()).build()) {
            run(locks, threads, 2);
            double perSecond = run(locks, threads, seconds);
            String row = String.format("| one server, not a cluster | %,.0f | %,.0f |%n", perSecond, perSecond);
            table.append(row);
            System.out.print("RedisClusterScalingBenchmark: " + row);
        }
        for (int masters = 1; masters <= 3; masters++) {
            try (RedisCluster cluster = RedisCluster.startLocal(server, cli, masters, 0, Duration.ofSeconds(5));
                 RedisLockFactory locks = RedisLockFactory.builder().clusterNodes(cluster.hostsAndPorts())
                         .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(2_000).build())
                         .keyPrefix("scale:").options(LockOptions.defaults()).build()) {
                run(locks, threads, 2);   // warm-up
                double perSecond = run(locks, threads, seconds);
                String row = String.format("| %d | %,.0f | %,.0f |%n", masters, perSecond, perSecond / masters);
                table.append(row);
                System.out.print("RedisClusterScalingBenchmark: " + row);
                assertThat(perSecond).isPositive();
            }
        }
        Files.writeString(Path.of("target", "cluster-scaling.md"), table, StandardCharsets.UTF_8);
        System.out.println(table);
    }

    /** Lock+unlock per second over {@code threads} threads, each on names of its own spread over the slots. */
    private static double run(RedisLockFactory locks, int threads, int seconds) throws InterruptedException {
        LongAdder done = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                for (int i = 0; !stop.get(); i++) {
                    RedisLock lock = locks.getLock("n-" + id + "-" + (i % 64));
                    lock.lock();
                    lock.unlock();
                    done.increment();
                }
            });
            workers.add(w);
        }
        long start = System.nanoTime();
        workers.forEach(Thread::start);
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        stop.set(true);
        for (Thread w : workers) {
            w.join(10_000);
        }
        return done.sum() / ((System.nanoTime() - start) / 1e9);
    }
}
