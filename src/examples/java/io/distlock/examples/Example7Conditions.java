package io.distlock.examples;

import io.distlock.redis.RedisLockFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * Example 7 (conditions across JVMs): the classic bounded buffer, written for
 * {@code ReentrantLock} and its {@link Condition}s, with only the lock's construction changed.
 * Its contents live in a Redis list, where every JVM sees them, and its conditions are made in
 * the same order in every JVM, so every JVM gets the same {@code notFull} and {@code notEmpty}.
 * Here a producer and a consumer use two factories, as two JVMs would.
 */
public final class Example7Conditions {

    static final int CAPACITY = 4;

    private final ReentrantLock lock;
    private final Condition notFull;
    private final Condition notEmpty;
    private final UnifiedJedis redis;
    private final String items;

    Example7Conditions(RedisLockFactory locks, UnifiedJedis redis, String items) {
        this.lock = locks.getLock("buffer");   // was: new ReentrantLock()
        this.notFull = lock.newCondition();     // the first condition of "buffer", in every JVM
        this.notEmpty = lock.newCondition();    // the second
        this.redis = redis;
        this.items = items;
    }

    void put(String x) throws InterruptedException {
        lock.lock();
        try {
            while (redis.llen(items) == CAPACITY) {
                notFull.await();                // gives the lock back until signalled
            }
            redis.rpush(items, x);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    String take() throws InterruptedException {
        lock.lock();
        try {
            while (redis.llen(items) == 0) {
                notEmpty.await();
            }
            String x = redis.lpop(items);
            notFull.signal();
            return x;
        } finally {
            lock.unlock();
        }
    }

    public static void main(String[] args) throws Exception {
        String host = Servers.redisHost(args);
        int port = Servers.redisPort(args);
        String items = "example7:items";
        try (RedisClient redis = RedisClient.create(host, port);
             RedisLockFactory producerSide = RedisLockFactory.builder().hostAndPort(host, port).build();
             RedisLockFactory consumerSide = RedisLockFactory.builder().hostAndPort(host, port).build()) {
            redis.del(items);
            Example7Conditions forProducer = new Example7Conditions(producerSide, redis, items);
            Example7Conditions forConsumer = new Example7Conditions(consumerSide, redis, items);
            int count = 5 * CAPACITY;
            Thread producer = new Thread(() -> {
                try {
                    for (int i = 0; i < count; i++) {
                        forProducer.put("item-" + i);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "producer");
            producer.start();
            List<String> taken = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                taken.add(forConsumer.take());
            }
            producer.join();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                expected.add("item-" + i);
            }
            System.out.println("moved " + taken.size() + " items through a buffer of " + CAPACITY
                    + " between two factories, in order: " + taken.equals(expected));
            redis.del(items);
        }
    }
}
