package io.distlock.examples;

import io.distlock.etcd.EtcdLockFactory;
import io.distlock.redis.RedisLockFactory;
import io.distlock.service.LockManager;
import io.distlock.service.LockService;

/**
 * Example 6 (the original's LockManager and GetLockInfo): several back ends under names, calls
 * routed by name, and a typed view of a lock's state.
 */
public final class Example6LockManager {

    private Example6LockManager() {
    }

    public static void main(String[] args) throws Exception {
        try (LockManager locks = new LockManager()
                .register("redis", LockService.of(RedisLockFactory.builder()
                        .hostAndPort(Servers.redisHost(args), Servers.redisPort(args)).build()))
                .register("etcd", LockService.of(EtcdLockFactory.builder().endpoints(Servers.etcd(args)).build()))) {
            locks.withLock("redis", "cache-refresh", () -> System.out.println(
                    "under the Redis lock: " + locks.info("redis", "cache-refresh")));
            locks.withLock("etcd", "leader", () -> System.out.println(
                    "under the etcd lock: " + locks.info("etcd", "leader")));
            System.out.println("after: redis locked? " + locks.isLocked("redis", "cache-refresh")
                    + ", etcd locked? " + locks.isLocked("etcd", "leader"));
        }
    }
}
