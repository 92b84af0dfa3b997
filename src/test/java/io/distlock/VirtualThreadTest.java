package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.etcd.EtcdLockFactory;
import io.distlock.redis.RedisLockFactory;
import io.distlock.testing.EtcdServers;
import io.distlock.testing.RedisServers;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hundreds of virtual threads contending for distributed locks. Runs on a JVM with virtual
 * threads (21+); the build runs it on the Java 25 JDK when one is installed, and it is skipped on
 * Java 17. Compiled for Java 17, so it reaches the virtual-thread API by reflection.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class VirtualThreadTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    private static ExecutorService virtualThreads() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            Assumptions.abort("this JVM (" + Runtime.version() + ") has no virtual threads");
            throw new AssertionError(e);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean isVirtual(Thread t) {
        try {
            return (Boolean) Thread.class.getMethod("isVirtual").invoke(t);
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    @Test
    void manyVirtualThreadsShareRedisLocks() throws Exception {
        String prefix = "vt-" + UUID.randomUUID() + ":";
        contend(p -> RedisLockFactory.builder().hostAndPort(redis.first().host(), redis.first().port())
                .keyPrefix(prefix).build());
    }

    @Test
    void manyVirtualThreadsShareEtcdLocks() throws Exception {
        String prefix = "vt/" + UUID.randomUUID() + "/";
        contend(p -> EtcdLockFactory.builder().endpoints(etcd.get().endpoints().toArray(String[]::new))
                .keyPrefix(prefix).build());
    }

    private void contend(Function<Integer, DistributedLockFactory> factories) throws Exception {
        int threads = 400;
        int rounds = 3;
        List<DistributedLockFactory> jvms = List.of(factories.apply(0), factories.apply(1));
        long[] counter = {0};
        AtomicReference<Thread> inside = new AtomicReference<>();
        ExecutorService vts = virtualThreads();
        try {
            List<Future<Boolean>> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                DistributedLockFactory jvm = jvms.get(t % 2);
                all.add(vts.submit(() -> {
                    DistributedLock lock = jvm.getLock("shared");
                    for (int i = 0; i < rounds; i++) {
                        lock.lock();
                        try {
                            assertThat(inside.getAndSet(Thread.currentThread())).isNull();
                            counter[0]++;
                            inside.set(null);
                        } finally {
                            lock.unlock();
                        }
                    }
                    return isVirtual(Thread.currentThread());
                }));
            }
            for (Future<Boolean> f : all) {
                assertThat(f.get(150, TimeUnit.SECONDS)).as("ran on a virtual thread").isTrue();
            }

            // a virtual thread waiting for the server can be interrupted
            DistributedLock held = jvms.get(0).getLock("interrupt");
            held.lock();
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Thread> waiter = new AtomicReference<>();
            Future<String> interrupted = vts.submit(() -> {
                waiter.set(Thread.currentThread());
                started.countDown();
                try {
                    jvms.get(1).getLock("interrupt").lockInterruptibly();
                    return "acquired";
                } catch (InterruptedException e) {
                    return "interrupted";
                }
            });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(300);
            waiter.get().interrupt();
            assertThat(interrupted.get(10, TimeUnit.SECONDS)).isEqualTo("interrupted");
            held.unlock();
        } finally {
            vts.shutdownNow();
            vts.awaitTermination(30, TimeUnit.SECONDS);
            jvms.forEach(DistributedLockFactory::close);
        }
        assertThat(counter[0]).isEqualTo((long) threads * rounds);
    }
}
