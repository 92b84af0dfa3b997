package bootapp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distlock.DistributedLock;
import io.distlock.DistributedLockFactory;
import io.distlock.it.ServerProcess;
import io.distlock.micrometer.LockMetrics;
import io.distlock.redis.RedisLockFactory;
import io.distlock.spring.DistributedLockRegistry;
import io.distlock.spring.boot.DistributedLockHealthIndicator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import redis.clients.jedis.Jedis;

/**
 * The application started with nothing but properties against a redis-server of its own: the
 * auto-configured factory takes the lock on that server, /actuator/prometheus serves the lock
 * metrics and /actuator/health/distlock the factory's health (UP with details, renewals
 * counted; DOWN once the server is gone); an application bean of its own makes the
 * auto-configured factory back off.
 */
class BootAppTest {

    private ServerProcess server;
    private int port;
    private ConfigurableApplicationContext app;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void startRedis() throws Exception {
        server = ServerProcess.redis();
        port = server.port();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (app != null) {
            app.close();
        }
        server.close();
    }

    private ConfigurableApplicationContext start(Class<?>... sources) {
        return new SpringApplicationBuilder(sources).properties(
                "spring.data.redis.host=127.0.0.1",
                "spring.data.redis.port=" + port,
                "server.address=127.0.0.1",
                "server.port=0").run();
    }

    private HttpResponse<String> get(String path) throws Exception {
        String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code path} until its body satisfies {@code done} (state, not time). */
    private String getUntil(String path, Predicate<String> done, Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        String body;
        do {
            body = get(path).body();
            if (done.test(body)) {
                return body;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(path + " never satisfied the condition; last body:\n" + body);
    }

    private static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Test
    void startsWithPropertiesOnlyTakesALockAndExposesMetricsAndHealth() throws Exception {
        app = start(BootApp.class);

        DistributedLockFactory factory = app.getBean(DistributedLockFactory.class);
        RedisLockFactory redis = assertInstanceOf(RedisLockFactory.class, factory);
        assertEquals("boot-app:", redis.keyPrefix());
        assertEquals(Duration.ofSeconds(10), redis.options().leaseTime());
        assertSame(factory, app.getBean(DistributedLockRegistry.class).factory());
        app.getBean(LockMetrics.class);

        // the lock is on the application's Redis, under the distlock.key-prefix
        Ledger ledger = app.getBean(Ledger.class);
        assertEquals(1, ledger.post(250));
        assertEquals(2, ledger.postThroughRegistry());
        DistributedLock lock = factory.getLock("ledger");
        lock.lock();
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            assertEquals(1, jedis.exists("boot-app:{ledger}") ? 1 : 0, "the lock's key on the server");

            // health: UP, with details; the held lease is renewed by the watchdog (10 s lease)
            String health = getUntil("/actuator/health/distlock", b -> number(b, "renewals") >= 1,
                    Duration.ofSeconds(30));
            System.out.println("GET /actuator/health/distlock (holding 'ledger') -> " + health);
            assertTrue(health.contains("\"status\":\"UP\""), health);
            assertEquals(1, number(health, "heldLeases"), health);
            assertEquals(0, number(health, "renewalFailures"), health);
            assertTrue(health.contains("\"keyPrefix\":\"boot-app:\""), health);
        } finally {
            lock.unlock();
        }

        // metrics, as Prometheus scrapes them
        HttpResponse<String> scrape = get("/actuator/prometheus");
        assertEquals(200, scrape.statusCode());
        String body = scrape.body();
        StringBuilder shown = new StringBuilder();
        for (String line : body.split("\n")) {
            if (line.startsWith("distlock_") && (!line.contains("_bucket") || line.contains("le=\"0.268435456\"")
                    || line.contains("le=\"+Inf\""))) {
                shown.append(line).append('\n');
            }
        }
        System.out.println("GET /actuator/prometheus (distlock_ lines; buckets at 0.268 s and +Inf only):\n" + shown);
        assertTrue(sample(body, "distlock_acquire_seconds_count", "lock=\"ledger\"", "outcome=\"acquired\"",
                "contended=\"false\"") >= 3, body);
        assertTrue(sample(body, "distlock_acquire_seconds_bucket", "lock=\"ledger\"", "outcome=\"acquired\"",
                "contended=\"false\"", "le=\"+Inf\"") >= 3, body);
        assertTrue(sample(body, "distlock_hold_seconds_max", "lock=\"ledger\"") >= 0.25, body);
        assertTrue(sample(body, "distlock_hold_seconds_count", "lock=\"ledger\"") >= 3, body);
        assertEquals(0.0, sample(body, "distlock_acquire_waiting_threads", "factory=\"distlock\""));
        assertTrue(sample(body, "distlock_renewals_total", "result=\"success\"", "lock=\"ledger\"") >= 1, body);

        // the server gone: DOWN, with the error
        server.close();
        HttpResponse<String> down = get("/actuator/health/distlock");
        System.out.println("GET /actuator/health/distlock (server stopped) -> " + down.statusCode() + " " + down.body());
        assertEquals(503, down.statusCode());
        assertTrue(down.body().contains("\"status\":\"DOWN\""), down.body());
    }

    /** The sum of the samples of {@code name} whose label list contains every one of {@code labels}. */
    private static double sample(String scrape, String name, String... labels) {
        double sum = 0;
        boolean found = false;
        lines:
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            for (String label : labels) {
                if (!line.contains(label)) {
                    continue lines;
                }
            }
            sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            found = true;
        }
        if (!found) {
            throw new AssertionError("no sample " + name + " with " + String.join(",", labels) + " in\n" + scrape);
        }
        return sum;
    }

    @Test
    void beansOfTheApplicationMakeTheAutoConfigurationBackOff() {
        app = start(BootApp.class, OwnLocks.class);
        assertEquals(1, app.getBeansOfType(DistributedLockFactory.class).size());
        RedisLockFactory own = app.getBean("ownLocks", RedisLockFactory.class);
        assertEquals("own:", own.keyPrefix());
        assertSame(own, app.getBean(DistributedLockRegistry.class).factory());
        assertSame(app.getBean("ownHealth"), app.getBean(DistributedLockHealthIndicator.class));
        assertEquals(1, app.getBeansOfType(DistributedLockHealthIndicator.class).size());
    }

    /**
     * An application's own lock beans (a source of the second run only: no {@code @Configuration},
     * so that the first run's component scan does not pick it up).
     */
    static class OwnLocks {
        @Bean(destroyMethod = "close")
        RedisLockFactory ownLocks(org.springframework.core.env.Environment env) {
            return RedisLockFactory.builder()
                    .hostAndPort("127.0.0.1", Integer.parseInt(env.getProperty("spring.data.redis.port")))
                    .keyPrefix("own:").build();
        }

        @Bean
        DistributedLockHealthIndicator ownHealth(RedisLockFactory ownLocks) {
            return new DistributedLockHealthIndicator(ownLocks);
        }
    }
}
