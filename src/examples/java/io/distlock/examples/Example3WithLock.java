package io.distlock.examples;

import io.distlock.redis.RedisLockFactory;
import io.distlock.service.LockResult;
import io.distlock.service.LockService;
import java.time.Duration;

/**
 * Example 3 (the original's WithLock and TryWithLock): run code under a lock that is always
 * released, waiting for it or only if it is free.
 */
public final class Example3WithLock {

    private Example3WithLock() {
    }

    public static void main(String[] args) throws Exception {
        try (LockService locks = LockService.of(RedisLockFactory.builder()
                .hostAndPort(Servers.redisHost(args), Servers.redisPort(args)).build())) {
            int invoice = locks.withLock("invoice-42", () -> 42);       // waits; releases even on exceptions
            System.out.println("issued invoice " + invoice);

            LockResult<String> report = locks.tryWithLock("nightly-report", () -> "report built");
            System.out.println(report.acquired() ? report.value() : "another node is building the report");

            LockResult<String> patient = locks.tryWithLock("nightly-report", Duration.ofSeconds(1), () -> "built after waiting");
            System.out.println(patient.asOptional().orElse("gave up after 1 s"));
        }
    }
}
