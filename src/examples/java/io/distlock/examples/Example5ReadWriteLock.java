package io.distlock.examples;

import io.distlock.DistributedReadWriteLock;
import io.distlock.redis.RedisLockFactory;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * Example 5 (the original's shared lock type): many readers or one writer, across JVMs, through
 * the JDK's {@link ReadWriteLock}.
 */
public final class Example5ReadWriteLock {

    private Example5ReadWriteLock() {
    }

    public static void main(String[] args) throws Exception {
        try (RedisLockFactory locks = RedisLockFactory.builder()
                .hostAndPort(Servers.redisHost(args), Servers.redisPort(args)).build()) {
            ReadWriteLock config = locks.getReadWriteLock("config");   // was: new ReentrantReadWriteLock()
            Thread[] readers = new Thread[3];
            for (int i = 0; i < readers.length; i++) {
                readers[i] = new Thread(() -> {
                    config.readLock().lock();                          // shared
                    try {
                        System.out.println(Thread.currentThread().getName() + " reads the configuration");
                    } finally {
                        config.readLock().unlock();
                    }
                }, "reader-" + i);
                readers[i].start();
            }
            for (Thread r : readers) {
                r.join();
            }
            config.writeLock().lock();                                 // exclusive
            try {
                config.readLock().lock();                              // a writer may downgrade
                System.out.println("wrote the configuration, now reading it back");
            } finally {
                config.writeLock().unlock();
            }
            config.readLock().unlock();
            System.out.println("read lock held elsewhere now? "
                    + ((DistributedReadWriteLock) config).readLock().isLocked());
        }
    }
}
