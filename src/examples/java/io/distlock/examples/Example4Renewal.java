package io.distlock.examples;

import io.distlock.AutoRenewal;
import io.distlock.DistributedLock;
import io.distlock.LockOptions;
import io.distlock.redis.RedisLockFactory;
import java.time.Duration;

/**
 * Example 4 (the original's TTL, Renew and AutoRenew): leases, the background watchdog, a fixed
 * lease renewed by hand or on a timer, and being told when a lease is lost.
 */
public final class Example4Renewal {

    private Example4Renewal() {
    }

    public static void main(String[] args) throws Exception {
        LockOptions fixedLease = LockOptions.builder()
                .leaseTime(Duration.ofSeconds(2))
                .watchdog(false)                 // a fixed lease: nobody renews it unless asked
                .build();
        try (RedisLockFactory locks = RedisLockFactory.builder()
                .hostAndPort(Servers.redisHost(args), Servers.redisPort(args))
                .options(fixedLease)
                .leaseListener((name, fence) -> System.out.println("lost the lease of " + name))
                .build()) {
            DistributedLock job = locks.getLock("long-job");
            job.lock();
            try {
                job.renew(Duration.ofSeconds(5));                      // Renew(key, ttl)
                try (AutoRenewal renewal = job.autoRenew(Duration.ofMillis(500))) {   // AutoRenew(key, interval, stop)
                    Thread.sleep(2_500);                               // longer than the 2 s lease
                    System.out.println("still held after 2.5 s: " + job.isHeldByCurrentThread()
                            + ", renewing: " + renewal.isActive());
                }
            } finally {
                job.unlock();
            }
        }
    }
}
