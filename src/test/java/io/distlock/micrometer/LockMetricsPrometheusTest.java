package io.distlock.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.distlock.DistributedLock;
import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.redis.RedisLockFactory;
import io.distlock.testing.RedisServer;
import io.distlock.testing.RedisServers;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;

/**
 * The meters as a Prometheus server scrapes them, over a real Redis: histogram buckets that
 * aggregate across JVMs, the {@code outcome} of every acquisition, the hold timer and the gauge
 * of waiting threads (issue 27).
 */
@Timeout(60)
class LockMetricsPrometheusTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final List<RedisLockFactory> factories = new ArrayList<>();
    private final String prefix = "prometheus-" + UUID.randomUUID() + ":";
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private LockMetrics metrics;

    private RedisLockFactory factory(int socketTimeoutMillis) {
        RedisServer server = redis.first();
        RedisLockFactory f = RedisLockFactory.builder().hostAndPort(server.host(), server.port())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(socketTimeoutMillis).build())
                .keyPrefix(prefix).options(LockOptions.builder().retryCount(1).build()).build();
        factories.add(f);
        return f;
    }

    private LockMetrics bind(RedisLockFactory locks) {
        metrics = LockMetrics.builder(locks, "orders").lockNames("invoices")
                .publishPercentileHistogram(true)
                .serviceLevelObjectives(Duration.ofMillis(250))
                .build();
        metrics.bindTo(registry);
        return metrics;
    }

    @AfterEach
    void close() {
        if (metrics != null) {
            metrics.close();
        }
        factories.forEach(RedisLockFactory::close);
        registry.close();
    }

    @Test
    void histogramsOutcomesHoldsAndWaitingThreadsAreScraped() throws Exception {
        RedisLockFactory locks = factory(2_000);
        bind(locks);
        DistributedLock lock = locks.getLock("invoices");

        // acquired, uncontended, held for about 300 ms
        lock.lock();
        Thread.sleep(300); // the hold to measure
        lock.unlock();

        // timeout: a busy tryLock(t), the holder in another factory (another JVM for the server)
        DistributedLock elsewhere = factory(2_000).getLock("invoices");
        elsewhere.lock();
        assertThat(lock.tryLock(100, TimeUnit.MILLISECONDS)).isFalse();

        // a thread blocked in lock(): the waiting gauge shows it until the holder lets go
        CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
            lock.lock();
            lock.unlock();
        });
        await().atMost(Duration.ofSeconds(10))
                .until(() -> value("distlock_acquire_waiting_threads", Map.of("factory", "orders")) == 1.0);
        elsewhere.unlock();
        waiter.get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> value("distlock_acquire_waiting_threads", Map.of("factory", "orders")) == 0.0);

        String scrape = registry.scrape();
        Map<String, String> acquired = Map.of("lock", "invoices", "outcome", "acquired", "contended", "false");
        Map<String, String> contended = Map.of("lock", "invoices", "outcome", "acquired", "contended", "true");
        Map<String, String> timedOut = Map.of("lock", "invoices", "outcome", "timeout", "contended", "true");
        assertThat(value(scrape, "distlock_acquire_seconds_count", acquired)).isEqualTo(1);
        assertThat(value(scrape, "distlock_acquire_seconds_count", contended)).isEqualTo(1);
        assertThat(value(scrape, "distlock_acquire_seconds_count", timedOut)).isEqualTo(1);
        assertThat(value(scrape, "distlock_acquire_seconds_sum", timedOut)).isGreaterThanOrEqualTo(0.1);
        assertThat(value(scrape, "distlock_acquire_seconds_count",
                Map.of("lock", "invoices", "outcome", "error"))).isZero();

        // histogram buckets: cumulative, ending in +Inf with the count, and the SLO boundary among them
        Map<Double, Double> buckets = buckets(scrape, "distlock_acquire_seconds_bucket", timedOut);
        assertThat(buckets.size()).isGreaterThan(10);
        assertThat(buckets).containsKey(0.25).containsEntry(Double.POSITIVE_INFINITY, 1.0);
        assertThat(buckets.entrySet().stream().filter(e -> e.getKey() < 0.1).mapToDouble(Map.Entry::getValue))
                .allMatch(v -> v == 0.0); // it waited its 100 ms
        assertThat(isCumulative(buckets)).isTrue();

        // the hold timer: this factory held "invoices" twice (the first hold, the contended one;
        // the other factory's hold is not its own), the first for at least 300 ms
        Map<String, String> holds = Map.of("lock", "invoices");
        assertThat(value(scrape, "distlock_hold_seconds_count", holds)).isEqualTo(2);
        assertThat(value(scrape, "distlock_hold_seconds_max", holds)).isGreaterThanOrEqualTo(0.3);
        Map<Double, Double> holdBuckets = buckets(scrape, "distlock_hold_seconds_bucket", holds);
        assertThat(holdBuckets.get(0.25)).isLessThanOrEqualTo(1.0); // the 300 ms hold is above the SLO
        assertThat(holdBuckets).containsEntry(Double.POSITIVE_INFINITY, 2.0);

        // other names share one series
        DistributedLock unlisted = locks.getLock("unlisted");
        unlisted.lock();
        unlisted.unlock();
        assertThat(value("distlock_acquire_seconds_count",
                Map.of("lock", "(other)", "outcome", "acquired", "contended", "false"))).isEqualTo(1);
        assertThat(registry.scrape()).doesNotContain("lock=\"unlisted\"");
    }

    @Test
    void aFrozenServerIsAnErrorOutcome() throws Exception {
        RedisServer server = redis.first();
        assumeThat(server.controllable()).as("needs a server this test started").isTrue();
        RedisLockFactory impatient = factory(200);
        bind(impatient);
        DistributedLock lock = impatient.getLock("invoices");
        server.pause();
        try {
            assertThatThrownBy(() -> lock.tryLock(2, TimeUnit.SECONDS)).isInstanceOf(LockBackendException.class);
        } finally {
            server.resume();
        }
        String scrape = registry.scrape();
        Map<String, String> error = Map.of("lock", "invoices", "outcome", "error", "contended", "unknown");
        assertThat(value(scrape, "distlock_acquire_seconds_count", error)).isEqualTo(1);
        assertThat(value(scrape, "distlock_acquire_seconds_count",
                Map.of("lock", "invoices", "outcome", "acquired", "contended", "false"))).isZero();
        assertThat(value(scrape, "distlock_backend_errors_total",
                Map.of("lock", "invoices", "kind", "transient"))).isEqualTo(2);
        assertThat(buckets(scrape, "distlock_acquire_seconds_bucket", error))
                .containsEntry(Double.POSITIVE_INFINITY, 1.0);
    }

    private double value(String name, Map<String, String> labels) {
        return value(registry.scrape(), name, labels);
    }

    /** The sum of the samples of {@code name} whose labels include {@code labels}. */
    private static double value(String scrape, String name, Map<String, String> labels) {
        double sum = 0;
        boolean found = false;
        for (String line : scrape.split("\n")) {
            Sample s = Sample.parse(line);
            if (s != null && s.name.equals(name) && s.labels.entrySet().containsAll(labels.entrySet())) {
                sum += s.value;
                found = true;
            }
        }
        assertThat(found).as("a sample %s%s in%n%s", name, labels, scrape).isTrue();
        return sum;
    }

    /** The buckets of one histogram series, by upper bound ({@code le}). */
    private static Map<Double, Double> buckets(String scrape, String name, Map<String, String> labels) {
        Map<Double, Double> buckets = new LinkedHashMap<>();
        for (String line : scrape.split("\n")) {
            Sample s = Sample.parse(line);
            if (s != null && s.name.equals(name) && s.labels.entrySet().containsAll(labels.entrySet())) {
                String le = s.labels.get("le");
                buckets.put(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), s.value);
            }
        }
        assertThat(buckets).as("buckets %s%s in%n%s", name, labels, scrape).isNotEmpty();
        return buckets;
    }

    private static boolean isCumulative(Map<Double, Double> buckets) {
        double last = -1;
        for (Map.Entry<Double, Double> e : new java.util.TreeMap<>(buckets).entrySet()) {
            if (e.getValue() < last) {
                return false;
            }
            last = e.getValue();
        }
        return true;
    }

    /** One line of the text exposition format. */
    private record Sample(String name, Map<String, String> labels, double value) {
        static Sample parse(String line) {
            if (line.startsWith("#")) {
                return null;
            }
            Matcher m = SAMPLE.matcher(line.trim());
            if (!m.matches()) {
                return null;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            return new Sample(m.group(1), labels, Double.parseDouble(m.group(4)));
        }
    }
}
