package io.distlock.examples;

import io.distlock.redis.RedisLockFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * Example 1 (the original's basic Redis lock): code written against {@link Lock} keeps working
 * when {@code new ReentrantLock()} becomes a Redis lock shared by every JVM.
 */
public final class Example1ReplaceReentrantLock {

    private final Lock lock;
    private int stock = 10;

    Example1ReplaceReentrantLock(Lock lock) {   // was: new ReentrantLock()
        this.lock = lock;
    }

    boolean reserve(int quantity) throws InterruptedException {
        if (!lock.tryLock(2, TimeUnit.SECONDS)) {   // blocking with a timeout, as with ReentrantLock
            return false;
        }
        try {
            if (stock < quantity) {
                return false;
            }
            stock -= quantity;
            return true;
        } finally {
            lock.unlock();
        }
    }

    public static void main(String[] args) throws Exception {
        try (RedisLockFactory locks = RedisLockFactory.builder()
                .hostAndPort(Servers.redisHost(args), Servers.redisPort(args)).build()) {
            Example1ReplaceReentrantLock inventory = new Example1ReplaceReentrantLock(locks.getLock("inventory"));
            System.out.println("reserved 3: " + inventory.reserve(3));
            System.out.println("reserved 9: " + inventory.reserve(9));
            Lock lock = locks.getLock("inventory");
            System.out.println("tryLock() on a free lock: " + lock.tryLock());   // non-blocking
            lock.unlock();
        }
    }
}
