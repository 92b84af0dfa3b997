package io.distlock.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.distlock.DistributedLock;
import io.distlock.DistributedLockFactory;
import io.distlock.LockObserver;
import io.distlock.LockOptions;
import io.distlock.redis.RedisLockFactory;
import io.distlock.testing.RedisServers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;

/**
 * The health indicator judges renewals lock by lock, on a real Redis: the factory's ACL user loses
 * the permission on one lock's keys, so that lock's renewals fail while another lock's succeed.
 * The check right after the other lock's successful renewal is still DOWN and names the failing
 * lock; once that lock is renewed again or released, the indicator is UP.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DistributedLockHealthIndicatorTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    private static void acl(String... rules) {
        try (Jedis admin = new Jedis(redis.first().host(), redis.first().port())) {
            admin.aclSetUser("watcher", rules);
        }
    }

    @Test
    void oneLocksFailingRenewalIsNotHiddenByAnothersSuccess() throws Exception {
        acl("reset", "on", ">pw", "~*", "&*", "+@all");
        try (RedisLockFactory factory = RedisLockFactory.builder()
                .hostAndPort(redis.first().host(), redis.first().port())
                .clientConfig(DefaultJedisClientConfig.builder().user("watcher").password("pw").timeoutMillis(2_000).build())
                .keyPrefix("hi:").options(LockOptions.builder().leaseTime(Duration.ofSeconds(3)).build()).build();
             DistributedLockHealthIndicator indicator = new DistributedLockHealthIndicator(factory)) {
            DistributedLock ok = factory.getLock("ok");
            DistributedLock bad = factory.getLock("bad");
            ok.lock();
            bad.lock();
            assertThat(factory.heldLeaseNames()).containsExactlyInAnyOrder("ok", "bad");
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

            // registered after the indicator's observer, so told of each renewal after it: the
            // check runs on the renewing thread, right after "ok" was renewed, before any other renewal
            CompletableFuture<Health> afterOkRenewed = new CompletableFuture<>();
            boolean[] badFailed = {false};
            LockObserver watch = new LockObserver() {
                @Override
                public void renewed(String lockName, boolean succeeded) {
                    if (lockName.equals("bad") && !succeeded) {
                        badFailed[0] = true;
                    } else if (lockName.equals("ok") && succeeded && badFailed[0] && !afterOkRenewed.isDone()) {
                        afterOkRenewed.complete(indicator.health());
                    }
                }

                @Override
                public boolean timesAcquisitions() {
                    return false;
                }
            };
            factory.addObserver(watch);
            // the user keeps "ok" and the health probe; "bad"'s keys are refused (NOPERM)
            acl("resetkeys", "~hi:{ok}*", "~hi:{" + DistributedLockFactory.PING_LOCK + "}*");

            Health h = afterOkRenewed.get(20, TimeUnit.SECONDS);
            assertThat(h.getStatus()).as("another lock's renewal succeeded since").isEqualTo(Status.DOWN);
            assertThat(h.getDetails()).containsEntry("failingRenewals", List.of("bad"))
                    .containsEntry("reason", "the last lease renewal of 1 held lock failed");

            acl("resetkeys", "~*");
            factory.removeObserver(watch);
            // renewed again (or lost meanwhile), and then released: no failure is held any more
            await().atMost(Duration.ofSeconds(10)).until(() -> indicator.health().getStatus().equals(Status.UP));
            try {
                bad.unlock();
            } catch (IllegalMonitorStateException lostMeanwhile) {
                // the lease ran out before the permission came back: a loss, not a failing renewal
            }
            Health after = indicator.health();
            assertThat(after.getStatus()).isEqualTo(Status.UP);
            assertThat(after.getDetails()).doesNotContainKey("failingRenewals").containsEntry("heldLeases", 1);
            ok.unlock();
        } finally {
            acl("resetkeys", "~*");
        }
    }
}
