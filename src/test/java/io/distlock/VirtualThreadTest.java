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
import redis.clients.jedis.RedisClient;

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

    /**
     * Set by the build's virtual-threads run (pom, profile virtual-threads): there a JVM without
     * virtual threads (or older than 24) fails these tests rather than skipping them.
     */
    private static final boolean REQUIRED = Boolean.getBoolean("distlock.virtualThreads.required");

    private static ExecutorService virtualThreads() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            if (REQUIRED) {
                throw new AssertionError("the virtual-threads run needs a JVM with virtual threads, this is "
                        + Runtime.version() + " (" + System.getProperty("java.home") + ")");
            }
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
            io.distlock.testing.Waiter.awaitParked(waiter.get());   // waiting for the server
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

    /**
     * Many virtual threads of two JVMs (this one, with two factories, and a child JVM) contend
     * for a few names on Redis, and virtual threads await and signal a distributed condition,
     * while JFR records every jdk.VirtualThreadPinned event (threshold 0) in this JVM. On Java
     * 24+ a monitor no longer pins a virtual thread, but native frames and class loading still
     * can: no pinned event may have a frame of the library (its main classes) on its stack, but
     * for those of the JVM loading or initializing a class (first use of each class; counted).
     * Every acquisition incremented a per-name counter by GET and SET, so an overlap across the
     * JVMs would show as a lost update.
     */
    @Test
    void virtualThreadsOfTwoJvmsNeverPinACarrierInLockUnlockAwaitSignal() throws Exception {
        pinningRun(false);
    }

    /**
     * As {@link #virtualThreadsOfTwoJvmsNeverPinACarrierInLockUnlockAwaitSignal}, with the locks
     * and the condition on etcd (transactions), whose client completes calls on gRPC's threads:
     * no pinned event with the library's frames either (the counters stay on Redis).
     */
    @Test
    void virtualThreadsOfTwoJvmsNeverPinACarrierOnEtcd() throws Exception {
        pinningRun(true);
    }

    private void pinningRun(boolean onEtcd) throws Exception {
        ExecutorService vts = virtualThreads();
        vts.shutdown();
        if (Runtime.version().feature() < 24) {
            if (REQUIRED) {
                throw new AssertionError("the virtual-threads run needs Java 24+ (monitors stop pinning), this is "
                        + Runtime.version());
            }
            Assumptions.abort("Java " + Runtime.version() + " pins virtual threads in monitors; the check needs 24+");
        }
        String prefix = onEtcd ? "vtpin/" + UUID.randomUUID() + "/" : "vtpin-" + UUID.randomUUID() + ":";
        int names = 4;
        int threads = 200;
        int rounds = 5;
        String etcdEndpoints = String.join(",", etcd.get().endpoints());
        java.util.function.Supplier<DistributedLockFactory> factory = () -> onEtcd
                ? EtcdLockFactory.builder().endpoints(etcdEndpoints.split(",")).keyPrefix(prefix).build()
                : RedisLockFactory.builder().hostAndPort(redis.first().host(), redis.first().port())
                        .keyPrefix(prefix).build();
        List<String> childArgs = new ArrayList<>(List.of(redis.first().host(), Integer.toString(redis.first().port()),
                prefix, Integer.toString(names), Integer.toString(threads), Integer.toString(rounds)));
        if (onEtcd) {
            childArgs.add(etcdEndpoints);
        }
        java.nio.file.Path jfr = java.nio.file.Files.createTempFile("distlock-pinning", ".jfr");
        long parent;
        long child;
        java.util.Map<String, Long> counters = new java.util.TreeMap<>();
        int conditionRounds;
        try (DistributedLockFactory a = factory.get();
             DistributedLockFactory b = factory.get();
             RedisClient raw = RedisClient.builder().hostAndPort(redis.first().host(), redis.first().port()).build();
             jdk.jfr.Recording recording = new jdk.jfr.Recording()) {
            // a first round on every path (contended and not, await and signal) before recording:
            // the JVM pins a virtual thread while it loads or links a class (each class's first
            // use, in any code), which is not what this test looks for
            VirtualThreadContender.contend(a, raw, prefix + "warm-up:", names, 40, 2);
            VirtualThreadContender.contend(b, raw, prefix + "warm-up:", names, 40, 2);
            awaitAndSignal(a, b, 5);
            recording.enable("jdk.VirtualThreadPinned").withThreshold(java.time.Duration.ZERO).withStackTrace();
            recording.start();
            // the control: a virtual thread that sleeps in a class initializer pins its carrier
            // (still so on Java 25), so the recording is shown to see pinning
            ExecutorService control = virtualThreads();
            java.net.URL classes = PinsInClassInit.class.getProtectionDomain().getCodeSource().getLocation();
            try (java.net.URLClassLoader fresh = new java.net.URLClassLoader(new java.net.URL[] {classes},
                    ClassLoader.getPlatformClassLoader())) {
                // a class loader of its own, so that each run initializes the class again
                control.submit(() -> Class.forName(PinsInClassInit.class.getName(), true, fresh))
                        .get(30, TimeUnit.SECONDS);
            }
            control.shutdown();
            try (io.distlock.testing.JvmProcess other = io.distlock.testing.JvmProcess.start(VirtualThreadContender.class,
                    childArgs.toArray(String[]::new))) {
                other.awaitLine("READY", java.time.Duration.ofSeconds(60));
                other.send("GO");
                java.util.concurrent.CompletableFuture<Long> here = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return VirtualThreadContender.contend(a, raw, prefix, names, threads / 2, rounds)
                                + VirtualThreadContender.contend(b, raw, prefix, names, threads / 2, rounds);
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                conditionRounds = awaitAndSignal(a, b, 30);
                parent = here.get(150, TimeUnit.SECONDS);
                child = Long.parseLong(other.awaitLine("DONE", java.time.Duration.ofSeconds(150)).substring(5));
                for (int n = 0; n < names; n++) {
                    String v = raw.get(prefix + "counter:n" + n);
                    counters.put("n" + n, v == null ? 0 : Long.parseLong(v));
                }
            }
            recording.stop();
            recording.dump(jfr);
        }
        List<jdk.jfr.consumer.RecordedEvent> pinned = jdk.jfr.consumer.RecordingFile.readAllEvents(jfr);
        java.nio.file.Files.deleteIfExists(jfr);
        List<String> ours = new ArrayList<>();
        int classLoading = 0;
        int registry = 0;
        for (jdk.jfr.consumer.RecordedEvent e : pinned) {
            if (e.getStackTrace() != null && e.getStackTrace().getFrames().stream()
                    .anyMatch(f -> isLibraryClass(f.getMethod().getType().getName()))) {
                if (loadsAClass(e)) {
                    classLoading++;
                } else if (recreatesARegistryEntry(e)) {
                    registry++;
                } else {
                    ours.add(describe(e));
                }
            }
        }
        System.out.println("virtual threads" + (onEtcd ? " (etcd)" : " (Redis)") + ": " + parent + " acquisitions here, " + child + " in the other JVM, "
                + conditionRounds + " condition hand-overs; counters " + counters + "; pinned events: "
                + pinned.size() + " (the control's included), with library frames: " + ours.size()
                + " besides " + classLoading + " while the JVM loaded or initialized a class and " + registry
                + " in getLock's registry (Caffeine re-creating an entry the GC had collected)");
        assertThat(pinned).as("the control's pinned event was recorded").isNotEmpty();
        assertThat(ours).as("pinned events with library frames on the stack (class loading aside)").isEmpty();
        assertThat(parent).isEqualTo((long) threads * rounds);
        assertThat(child).isEqualTo((long) threads * rounds);
        assertThat(counters.values().stream().mapToLong(Long::longValue).sum())
                .as("no lost update: the JVMs excluded each other").isEqualTo(parent + child);
    }

    /**
     * Whether the JVM pinned the thread while it loaded a class (a {@code ClassLoader.loadClass}
     * frame) or waited for another thread to initialize one: the JDK (25 too) cannot unmount a
     * virtual thread there, in any code's first use of a class; the library cannot avoid it.
     */
    private static boolean loadsAClass(jdk.jfr.consumer.RecordedEvent e) {
        String reason = e.getString("pinnedReason");
        return (reason != null && reason.startsWith("Waited for initialization"))
                || e.getStackTrace().getFrames().stream().anyMatch(f ->
                        f.getMethod().getType().getName().equals("java.lang.ClassLoader")
                                && f.getMethod().getName().equals("loadClass"));
    }

    /**
     * Whether the thread was pinned inside Caffeine while {@code getLock} re-created the registry
     * entry of a name whose lock object the GC had collected, as Caffeine's maintenance evicted
     * the old entry: a monitor of Caffeine's, contended once per collected name, in {@code getLock}
     * and not in {@code lock}, {@code unlock}, {@code await} or {@code signal} (README says so).
     */
    private static boolean recreatesARegistryEntry(jdk.jfr.consumer.RecordedEvent e) {
        List<jdk.jfr.consumer.RecordedFrame> frames = e.getStackTrace().getFrames();
        String top = frames.get(0).getMethod().getType().getName();
        jdk.jfr.consumer.RecordedFrame ours = frames.stream()
                .filter(f -> isLibraryClass(f.getMethod().getType().getName())).findFirst().orElseThrow();
        return top.startsWith("com.github.benmanes.caffeine.")
                && ours.getMethod().getType().getName().equals("io.distlock.internal.LockEngine")
                && ours.getMethod().getName().equals("sync");
    }

    /** A pinned event with its whole stack (JFR's own text shows five frames). */
    private static String describe(jdk.jfr.consumer.RecordedEvent e) {
        StringBuilder b = new StringBuilder(e.getString("blockingOperation")).append(" (")
                .append(e.getString("pinnedReason")).append("), ").append(e.getDuration().toNanos() / 1000)
                .append(" us:");
        for (jdk.jfr.consumer.RecordedFrame f : e.getStackTrace().getFrames()) {
            b.append("\n    ").append(f.getMethod().getType().getName()).append('.').append(f.getMethod().getName())
                    .append(" line ").append(f.getLineNumber());
        }
        return b.toString();
    }

    /** Its initialization parks the thread that runs it: a pinning event for the control. */
    private static final class PinsInClassInit {
        static final boolean READY;

        static {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            READY = true;
        }
    }

    /** Whether {@code className} is one of the library's own (main) classes, not a test's. */
    private static boolean isLibraryClass(String className) {
        if (!className.startsWith("io.distlock.")) {
            return false;
        }
        java.net.URL where = VirtualThreadTest.class.getClassLoader().getResource(className.replace('.', '/') + ".class");
        return where != null && !where.toString().contains("test-classes");
    }

    /**
     * Virtual threads of factory {@code a} take permits under a distributed condition, virtual
     * threads of factory {@code b} give them and signal: await (releases the lock, queues on the
     * server) and signal (wakes a waiter of any factory) on virtual threads, {@code pairs} times.
     * Returns the permits taken.
     */
    private static int awaitAndSignal(DistributedLockFactory a, DistributedLockFactory b, int pairs) throws Exception {
        java.util.concurrent.atomic.AtomicInteger permits = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger taken = new java.util.concurrent.atomic.AtomicInteger();
        DistributedLock takerLock = a.getLock("cond");
        DistributedLock giverLock = b.getLock("cond");
        java.util.concurrent.locks.Condition takerReady = takerLock.newCondition();
        java.util.concurrent.locks.Condition giverReady = giverLock.newCondition();
        ExecutorService vts = virtualThreads();
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                all.add(vts.submit(() -> {
                    takerLock.lock();
                    try {
                        while (permits.get() == 0) {
                            takerReady.await(5, TimeUnit.SECONDS);
                        }
                        permits.decrementAndGet();
                        taken.incrementAndGet();
                    } finally {
                        takerLock.unlock();
                    }
                    return null;
                }));
                all.add(vts.submit(() -> {
                    giverLock.lock();
                    try {
                        permits.incrementAndGet();
                        giverReady.signal();
                    } finally {
                        giverLock.unlock();
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(150, TimeUnit.SECONDS);
            }
        } finally {
            vts.shutdownNow();
        }
        assertThat(taken.get()).isEqualTo(pairs);
        return taken.get();
    }
}
