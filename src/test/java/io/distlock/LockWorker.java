package io.distlock;

import io.distlock.etcd.EtcdFlavour;
import io.distlock.etcd.EtcdLockFactory;
import io.distlock.redis.RedisLockFactory;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.RedisClient;

/**
 * The program the cross-process tests run in separate JVMs. The first argument says which back
 * end: {@code redis:HOST:PORT}, {@code redis-handover:HOST:PORT} (releases hand the lock to a
 * waiter: RedisLockFactory.Builder.handOverToWaiters, non-fair locks), {@code redis-cluster:HOST:PORT,...} (seed nodes),
 * {@code etcd-txn:ENDPOINTS} or {@code etcd-lock-service:ENDPOINTS} (endpoints separated by commas).
 * <pre>
 * SPEC PREFIX count NAME THREADS ROUNDS COUNTER_KEY
 *     THREADS threads each do ROUNDS read-modify-write increments of COUNTER_KEY (a get, then a
 *     set, in the same store) under the lock; prints "READY", waits for "go" on stdin, prints
 *     "DONE n ms=... fences=k minFence=... maxFence=..." (the fencing tokens this JVM saw).
 * SPEC PREFIX count-unlocked NAME THREADS ROUNDS COUNTER_KEY PAUSE_MS
 *     the same increments without the lock, with a pause of PAUSE_MS between the get and the
 *     set (the demo's lost updates); prints "DONE n ms=... fences=0 minFence=- maxFence=-".
 * SPEC PREFIX rw NAME THREADS ROUNDS COUNTER_KEY
 *     THREADS threads each do ROUNDS operations on a read/write lock: every fourth an increment of
 *     COUNTER_KEY under the write lock, the others two reads of it under the read lock that must
 *     agree; prints "READY", waits for "go", prints "DONE writes=w violations=v".
 * SPEC PREFIX fence NAME THREADS ROUNDS REGISTER_KEY MAX_LOCAL_HANDOFFS
 *     THREADS threads each hold the lock ROUNDS times; in each hold the fencing token is checked
 *     against the last one written to REGISTER_KEY (it must be greater) and written there, in the
 *     same store: a fencing register, whose history is the order of holds across every JVM;
 *     prints "READY", waits for "go", prints "DONE holds=n violations=v handedOver=h".
 * SPEC PREFIX buffer NAME ROLE ID COUNT TOTAL BUFFER_KEY OUT_FILE
 *     a bounded buffer of capacity 16 kept in the store under BUFFER_KEY, guarded by the lock and
 *     its conditions notFull and notEmpty, made by index as legacy code makes them. ROLE producer
 *     puts COUNT items (ID * 1000000 + i); ROLE consumer takes items until TOTAL have been taken
 *     by all consumers together and writes the items it took to OUT_FILE, one per line. Prints
 *     "READY", waits for "go", prints "DONE n".
 * SPEC PREFIX await NAME LEASE_MS
 *     takes the lock, prints "LOCKED", awaits its condition "c" (untimed), prints "WOKEN".
 * SPEC PREFIX signal NAME LEASE_MS
 *     takes the lock, prints "LOCKED", waits for "signal" on stdin, signals condition "c", prints
 *     "SIGNALLED" or "LEASE_LOST".
 * SPEC PREFIX hold NAME LEASE_MS
 *     takes the lock, prints "LOCKED fence", waits for "unlock" on stdin, prints "HELD b"
 *     (isHeldByCurrentThread before unlocking), then "UNLOCKED" or "LEASE_LOST fence".
 * </pre>
 */
public final class LockWorker {

    private LockWorker() {
    }

    /** The locks and a plain key-value store of one back end. */
    private interface Store extends AutoCloseable {
        DistributedLock lock(String name);

        DistributedReadWriteLock readWriteLock(String name);

        String get(String key) throws Exception;

        void set(String key, String value) throws Exception;

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        String spec = args[0];
        String prefix = args[1];
        String mode = args[2];
        String name = args[3];
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        LockOptions options = mode.equals("fair") || mode.equals("fairrw")
                ? LockOptions.builder().fair(true).leaseTime(Duration.ofMillis(Long.parseLong(args[4]))).build()
                : mode.equals("hold") || mode.equals("await") || mode.equals("signal")
                ? LockOptions.builder().leaseTime(Duration.ofMillis(Long.parseLong(args[4]))).build()
                : mode.equals("fence")
                ? LockOptions.builder().maxLocalHandoffs(Integer.parseInt(args[7])).build()
                : LockOptions.defaults();
        try (Store store = open(spec, prefix, options)) {
            if (mode.equals("count")) {
                count(store, name, Integer.parseInt(args[4]), Integer.parseInt(args[5]), args[6], true, 0, stdin);
            } else if (mode.equals("count-unlocked")) {
                count(store, name, Integer.parseInt(args[4]), Integer.parseInt(args[5]), args[6], false,
                        Long.parseLong(args[7]), stdin);
            } else if (mode.equals("rw")) {
                readWrite(store, name, Integer.parseInt(args[4]), Integer.parseInt(args[5]), args[6], stdin);
            } else if (mode.equals("fence")) {
                fence(store, name, Integer.parseInt(args[4]), Integer.parseInt(args[5]), args[6], stdin);
            } else if (mode.equals("buffer")) {
                buffer(store, name, args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]),
                        Integer.parseInt(args[7]), args[8], java.nio.file.Path.of(args[9]), stdin);
            } else if (mode.equals("await")) {
                DistributedLock lock = store.lock(name);
                java.util.concurrent.locks.Condition c = lock.newCondition("c");
                lock.lock();
                System.out.println("LOCKED");
                c.await();
                System.out.println("WOKEN");
                lock.unlock();
            } else if (mode.equals("signal")) {
                DistributedLock lock = store.lock(name);
                java.util.concurrent.locks.Condition c = lock.newCondition("c");
                lock.lock();
                System.out.println("LOCKED");
                if (!"signal".equals(stdin.readLine())) {
                    throw new IllegalStateException("expected signal");
                }
                try {
                    c.signal();
                    System.out.println("SIGNALLED");
                } catch (LeaseLostException e) {
                    System.out.println("LEASE_LOST");
                }
                try {
                    lock.unlock();
                } catch (LeaseLostException expected) {
                    // already reported
                }
            } else if (mode.equals("hold")) {
                hold(store, name, stdin);
            } else if (mode.equals("fair") || mode.equals("fairrw")) {
                fair(store, name, args[5], mode.equals("fairrw"), stdin);
            } else {
                throw new IllegalArgumentException("unknown mode " + mode);
            }
        }
        System.exit(0);
    }

    /**
     * A lock factory for a back-end argument ({@code redis:HOST:PORT}, {@code etcd-txn:ENDPOINTS},
     * {@code etcd-lock-service:ENDPOINTS}).
     */
    public static DistributedLockFactory factory(String spec, String prefix, LockOptions options,
                                                 LeaseListener listener) {
        String kind = spec.substring(0, spec.indexOf(':'));
        String where = spec.substring(spec.indexOf(':') + 1);
        if (kind.equals("redis") || kind.equals("redis-handover")) {
            String host = where.substring(0, where.lastIndexOf(':'));
            int port = Integer.parseInt(where.substring(where.lastIndexOf(':') + 1));
            // redis-handover: releases hand the lock to a waiter (non-fair locks; fair ones cannot)
            return RedisLockFactory.builder().hostAndPort(host, port).keyPrefix(prefix).options(options)
                    .handOverToWaiters(kind.equals("redis-handover") && !options.fair() && options.watchdog())
                    .leaseListener(listener).build();
        }
        if (kind.equals("redis-cluster")) {
            return RedisLockFactory.builder().clusterNodes(seeds(where)).keyPrefix(prefix).options(options)
                    .leaseListener(listener).build();
        }
        EtcdFlavour flavour = kind.equals("etcd-txn") ? EtcdFlavour.TRANSACTION : EtcdFlavour.LOCK_SERVICE;
        return EtcdLockFactory.builder().endpoints(where.split(",")).keyPrefix(prefix).flavour(flavour)
                .options(options).leaseListener(listener).build();
    }

    private static java.util.Set<redis.clients.jedis.HostAndPort> seeds(String where) {
        java.util.Set<redis.clients.jedis.HostAndPort> seeds = new java.util.LinkedHashSet<>();
        for (String s : where.split(",")) {
            seeds.add(redis.clients.jedis.HostAndPort.from(s));
        }
        return seeds;
    }

    private static Store open(String spec, String prefix, LockOptions options) {
        String kind = spec.substring(0, spec.indexOf(':'));
        String where = spec.substring(spec.indexOf(':') + 1);
        if (kind.startsWith("redis")) {
            redis.clients.jedis.UnifiedJedis data;
            if (kind.equals("redis-cluster")) {
                data = redis.clients.jedis.RedisClusterClient.create(seeds(where));
            } else {
                String host = where.substring(0, where.lastIndexOf(':'));
                int port = Integer.parseInt(where.substring(where.lastIndexOf(':') + 1));
                data = RedisClient.create(host, port);
            }
            DistributedLockFactory locks = factory(spec, prefix, options, (n, f) -> { });
            return new Store() {
                public DistributedLock lock(String name) {
                    return locks.getLock(name);
                }

                public DistributedReadWriteLock readWriteLock(String name) {
                    return locks.getReadWriteLock(name);
                }

                public String get(String key) {
                    return data.get(key);
                }

                public void set(String key, String value) {
                    data.set(key, value);
                }

                public void close() {
                    locks.close();
                    data.close();
                }
            };
        }
        String[] endpoints = where.split(",");
        Client data = Client.builder().endpoints(endpoints).build();
        DistributedLockFactory locks = factory(spec, prefix, options, (n, f) -> { });
        return new Store() {
            public DistributedLock lock(String name) {
                return locks.getLock(name);
            }

            public DistributedReadWriteLock readWriteLock(String name) {
                return locks.getReadWriteLock(name);
            }

            public String get(String key) throws Exception {
                GetResponse r = data.getKVClient().get(bytes(key)).get(30, TimeUnit.SECONDS);
                return r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
            }

            public void set(String key, String value) throws Exception {
                data.getKVClient().put(bytes(key), bytes(value)).get(30, TimeUnit.SECONDS);
            }

            public void close() {
                locks.close();
                data.close();
            }
        };
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** Increments of COUNTER_KEY, under the lock or (with {@code locked} false) without it. */
    private static void count(Store store, String name, int threads, int rounds, String counterKey,
                              boolean locked, long pauseMillis, BufferedReader stdin) throws Exception {
        System.out.println("READY");
        if (!"go".equals(stdin.readLine())) {
            throw new IllegalStateException("expected go");
        }
        List<Thread> workers = new ArrayList<>();
        int[] done = new int[threads];
        java.util.Set<Long> fences = java.util.concurrent.ConcurrentHashMap.newKeySet();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                DistributedLock lock = store.lock(name);
                for (int i = 0; i < rounds; i++) {
                    if (locked) {
                        lock.lock();
                    }
                    try {
                        if (locked) {
                            fences.add(lock.getFencingToken());
                        }
                        String seen = store.get(counterKey);
                        long v = seen == null ? 0 : Long.parseLong(seen);
                        if (pauseMillis > 0) {
                            Thread.sleep(pauseMillis);
                        }
                        store.set(counterKey, Long.toString(v + 1));
                        done[id]++;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    } finally {
                        if (locked) {
                            lock.unlock();
                        }
                    }
                }
            });
            workers.add(w);
            w.start();
        }
        int total = 0;
        for (int t = 0; t < threads; t++) {
            workers.get(t).join(TimeUnit.MINUTES.toMillis(3));
            total += done[t];
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("DONE " + total + " ms=" + ms + " fences=" + fences.size()
                + " minFence=" + (fences.isEmpty() ? "-" : java.util.Collections.min(fences))
                + " maxFence=" + (fences.isEmpty() ? "-" : java.util.Collections.max(fences)));
    }

    private static void fence(Store store, String name, int threads, int rounds, String registerKey,
                              BufferedReader stdin) throws Exception {
        System.out.println("READY");
        if (!"go".equals(stdin.readLine())) {
            throw new IllegalStateException("expected go");
        }
        java.util.concurrent.atomic.AtomicInteger holds = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger violations = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger handedOver = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                DistributedLock lock = store.lock(name);
                for (int i = 0; i < rounds; i++) {
                    lock.lock();
                    try {
                        long token = lock.getFencingToken();
                        long last = read(store, registerKey);
                        if (token <= last) {
                            violations.incrementAndGet();
                        }
                        store.set(registerKey, Long.toString(token));
                        if ((token & 1023) != 0) {
                            handedOver.incrementAndGet();
                        }
                        holds.incrementAndGet();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    } finally {
                        lock.unlock();
                    }
                }
            });
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join(TimeUnit.MINUTES.toMillis(3));
        }
        System.out.println("DONE holds=" + holds.get() + " violations=" + violations.get()
                + " handedOver=" + handedOver.get());
    }

    /** Capacity of the cross-process bounded buffer. */
    static final int BUFFER_CAPACITY = 16;

    private static void buffer(Store store, String name, String role, int id, int count, int total, String bufferKey,
                               java.nio.file.Path out, BufferedReader stdin) throws Exception {
        // written the way a ReentrantLock + Condition bounded buffer is: conditions by index
        DistributedLock lock = store.lock(name);
        java.util.concurrent.locks.Condition notFull = lock.newCondition();
        java.util.concurrent.locks.Condition notEmpty = lock.newCondition();
        String consumedKey = bufferKey + ":consumed";
        System.out.println("READY");
        if (!"go".equals(stdin.readLine())) {
            throw new IllegalStateException("expected go");
        }
        List<String> taken = new ArrayList<>();
        if (role.equals("producer")) {
            for (int i = 0; i < count; i++) {
                lock.lock();
                try {
                    List<String> items = items(store.get(bufferKey));
                    while (items.size() == BUFFER_CAPACITY) {
                        notFull.await();
                        items = items(store.get(bufferKey));
                    }
                    items.add(Integer.toString(id * 1_000_000 + i));
                    store.set(bufferKey, String.join(",", items));
                    notEmpty.signal();
                } finally {
                    lock.unlock();
                }
            }
            System.out.println("DONE " + count);
            return;
        }
        while (true) {
            lock.lock();
            try {
                List<String> items = items(store.get(bufferKey));
                while (items.isEmpty() && read(store, consumedKey) < total) {
                    notEmpty.await();
                    items = items(store.get(bufferKey));
                }
                long consumed = read(store, consumedKey);
                if (items.isEmpty()) {
                    // every item has been taken: let the other consumers see it too
                    notEmpty.signalAll();
                    break;
                }
                taken.add(items.remove(0));
                store.set(bufferKey, String.join(",", items));
                store.set(consumedKey, Long.toString(consumed + 1));
                notFull.signal();
                if (consumed + 1 == total) {
                    notEmpty.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
        java.nio.file.Files.write(out, taken);
        System.out.println("DONE " + taken.size());
    }

    private static List<String> items(String value) {
        List<String> items = new ArrayList<>();
        if (value != null && !value.isEmpty()) {
            items.addAll(List.of(value.split(",")));
        }
        return items;
    }

    private static long read(Store store, String key) throws Exception {
        String seen = store.get(key);
        return seen == null ? 0 : Long.parseLong(seen);
    }

    private static void readWrite(Store store, String name, int threads, int rounds, String counterKey,
                                  BufferedReader stdin) throws Exception {
        System.out.println("READY");
        if (!"go".equals(stdin.readLine())) {
            throw new IllegalStateException("expected go");
        }
        java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger violations = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            Thread w = new Thread(() -> {
                DistributedReadWriteLock rw = store.readWriteLock(name);
                for (int i = 0; i < rounds; i++) {
                    try {
                        if ((i + seed) % 4 == 0) {
                            rw.writeLock().lock();
                            try {
                                store.set(counterKey, Long.toString(read(store, counterKey) + 1));
                                writes.incrementAndGet();
                            } finally {
                                rw.writeLock().unlock();
                            }
                        } else {
                            rw.readLock().lock();
                            try {
                                long first = read(store, counterKey);
                                Thread.sleep(2);
                                if (read(store, counterKey) != first) {
                                    violations.incrementAndGet();
                                }
                            } finally {
                                rw.readLock().unlock();
                            }
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join(TimeUnit.MINUTES.toMillis(3));
        }
        System.out.println("DONE writes=" + writes.get() + " violations=" + violations.get());
    }

    /**
     * Fair lock: each line "go LABEL" starts a thread that prints "ASKING LABEL", locks, appends
     * LABEL to the comma-separated record at {@code logKey} (under the lock), prints
     * "GOT LABEL" and unlocks; "end" waits for those threads and prints "DONE".
     */
    /**
     * Fair locks: each line "go LABEL" starts a thread that takes the lock and appends LABEL to
     * the log. With {@code readWrite}, the lock is read/write lock {@code name}, and the label's
     * second letter says which side ('r' read, 'w' write); readers append under an exclusive lock
     * of their own, since several hold the read lock at once.
     */
    private static void fair(Store store, String name, String logKey, boolean readWrite, BufferedReader stdin)
            throws Exception {
        List<Thread> threads = new ArrayList<>();
        System.out.println("READY");
        for (String line = stdin.readLine(); line != null && !line.equals("end"); line = stdin.readLine()) {
            String label = line.substring("go ".length());
            Thread t = new Thread(() -> {
                java.util.concurrent.locks.Lock lock = !readWrite ? store.lock(name)
                        : label.charAt(1) == 'r' ? store.readWriteLock(name).readLock()
                        : store.readWriteLock(name).writeLock();
                System.out.println("ASKING " + label);
                lock.lock();
                try {
                    java.util.concurrent.locks.Lock log = readWrite ? store.lock(logKey + "-lock") : null;
                    if (log != null) {
                        log.lock();
                    }
                    try {
                        String before = store.get(logKey);
                        store.set(logKey, before == null ? label : before + "," + label);
                    } finally {
                        if (log != null) {
                            log.unlock();
                        }
                    }
                    System.out.println("GOT " + label);
                } catch (Exception e) {
                    System.out.println("ERROR " + e);
                } finally {
                    lock.unlock();
                }
            }, "fair-" + label);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(2));
        }
        System.out.println("DONE");
    }

    private static void hold(Store store, String name, BufferedReader stdin) throws Exception {
        DistributedLock lock = store.lock(name);
        lock.lock();
        System.out.println("LOCKED " + lock.getFencingToken());
        if (!"unlock".equals(stdin.readLine())) {
            throw new IllegalStateException("expected unlock");
        }
        System.out.println("HELD " + lock.isHeldByCurrentThread());
        try {
            lock.unlock();
            System.out.println("UNLOCKED");
        } catch (LeaseLostException e) {
            System.out.println("LEASE_LOST " + e.getFencingToken());
        }
    }
}
