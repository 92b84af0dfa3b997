package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Checks that a distributed lock is a faithful {@code ReentrantLock} /
 * {@code ReentrantReadWriteLock} on the running JDK: every overridable method overridden, the
 * final queue methods telling the real local queue (run side by side with a plain JDK lock),
 * serialization refused. Used by the contract suites of every back end.
 */
final class JdkLockSurface {

    private JdkLockSurface() {
    }

    /**
     * The public and protected, non-final, non-static methods declared by {@code jdk} (found by
     * reflection on the running JDK, so that a method a later JDK adds is caught) that
     * {@code concrete} does not override below {@code jdk}.
     */
    static List<String> notOverridden(Class<?> concrete, Class<?> jdk) {
        assertThat(jdk).isAssignableFrom(concrete);
        List<String> missing = new ArrayList<>();
        for (Method m : jdk.getDeclaredMethods()) {
            int mod = m.getModifiers();
            if (Modifier.isStatic(mod) || Modifier.isFinal(mod) || m.isSynthetic() || m.isBridge()
                    || !(Modifier.isPublic(mod) || Modifier.isProtected(mod))) {
                continue;
            }
            Class<?> declaring = declaringClass(concrete, m);
            if (declaring == jdk) {
                missing.add(m.toGenericString());
            }
        }
        // default methods a later JDK may add to the interfaces (Lock, ReadWriteLock)
        for (Class<?> api : jdk.getInterfaces()) {
            for (Method m : api.getMethods()) {
                if (m.isDefault() && declaringClass(concrete, m).isInterface()) {
                    missing.add(m.toGenericString());
                }
            }
        }
        return missing;
    }

    /** The final public methods {@code jdk} declares: the ones that must answer from the local queue. */
    static TreeSet<String> finalMethods(Class<?> jdk) {
        TreeSet<String> names = new TreeSet<>();
        for (Method m : jdk.getDeclaredMethods()) {
            int mod = m.getModifiers();
            if (Modifier.isFinal(mod) && Modifier.isPublic(mod) && !Modifier.isStatic(mod)) {
                names.add(m.getName());
            }
        }
        return names;
    }

    private static Class<?> declaringClass(Class<?> from, Method m) {
        for (Class<?> c = from; c != null; c = c.getSuperclass()) {
            try {
                c.getDeclaredMethod(m.getName(), m.getParameterTypes());
                return c;
            } catch (NoSuchMethodException e) {
                // look further up
            }
        }
        if (m.getDeclaringClass().isInterface()) {
            return m.getDeclaringClass();
        }
        throw new AssertionError(m + " not found from " + from);
    }

    /**
     * Runs one scenario on {@code lock}: the calling thread holds it, {@code waiters} threads
     * queue behind it; the final queue methods must count exactly them, then drain as they get
     * the lock. Returns what the lock answered at each step, so a distributed lock's answers can be
     * compared with a plain {@code ReentrantLock}'s.
     */
    static List<String> queueScenario(ReentrantLock lock, int waiters) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        seen.add("fair=" + lock.isFair());
        seen.add("idle: queued=" + lock.hasQueuedThreads() + " length=" + lock.getQueueLength());
        lock.lock();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(waiters);
        try {
            for (int i = 0; i < waiters; i++) {
                Thread t = new Thread(() -> {
                    lock.lock();
                    try {
                        assertThat(lock.isHeldByCurrentThread()).isTrue();
                    } finally {
                        lock.unlock();
                        done.countDown();
                    }
                }, "queued-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> lock.getQueueLength() == waiters);
            seen.add("held: queued=" + lock.hasQueuedThreads() + " length=" + lock.getQueueLength());
            for (Thread t : threads) {
                seen.add("hasQueuedThread(" + t.getName() + ")=" + lock.hasQueuedThread(t));
            }
            seen.add("hasQueuedThread(self)=" + lock.hasQueuedThread(Thread.currentThread()));
            seen.add("held by me=" + lock.isHeldByCurrentThread() + " holds=" + lock.getHoldCount());
        } finally {
            lock.unlock();
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).as("every queued thread got the lock").isTrue();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        seen.add("drained: queued=" + lock.hasQueuedThreads() + " length=" + lock.getQueueLength());
        return seen;
    }

    /**
     * The bracketed state that {@code lock.toString()} ends with (what {@code ReentrantLock} and
     * {@code ReentrantReadWriteLock} and its locks add after the object's identity). If
     * {@code name} is not null (a distributed lock), the lock name in brackets must stand right
     * before it.
     */
    static String stateOf(Object lock, String name) {
        String s = lock.toString();
        int at = s.lastIndexOf('[');
        assertThat(at).as(s).isPositive();
        if (name != null) {
            assertThat(s.substring(0, at)).as(s).endsWith("[" + name + "]");
        }
        return s.substring(at);
    }

    /**
     * What {@code lock}'s {@code toString()} tells in three states: unlocked, held (twice) by a
     * thread named {@code toString-holder}, held by the calling thread. {@code name}: see
     * {@link #stateOf}.
     */
    static List<String> toStringScenario(ReentrantLock lock, String name) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        seen.add("unlocked: " + stateOf(lock, name));
        try (OtherThread holder = OtherThread.holding("toString-holder", lock, lock)) {
            seen.add("held by toString-holder: " + stateOf(lock, name));
        }
        lock.lock();
        try {
            seen.add("held by the caller: " + stateOf(lock, name));
        } finally {
            lock.unlock();
        }
        seen.add("unlocked again: " + stateOf(lock, name));
        return seen;
    }

    /**
     * What {@code rw}, its read lock and its write lock tell by {@code toString()} in these
     * states: unlocked; write-locked twice by a thread named {@code toString-writer}; read-locked
     * twice by the calling thread; read-locked once by it and once by another thread.
     * {@code name}: see {@link #stateOf}.
     */
    static List<String> toStringScenario(java.util.concurrent.locks.ReentrantReadWriteLock rw, String name)
            throws InterruptedException {
        List<String> seen = new ArrayList<>();
        seen.add("unlocked: " + states(rw, name));
        try (OtherThread writer = OtherThread.holding("toString-writer", rw.writeLock(), rw.writeLock())) {
            seen.add("write-locked twice by toString-writer: " + states(rw, name));
        }
        rw.readLock().lock();
        rw.readLock().lock();
        try {
            seen.add("read-locked twice by the caller: " + states(rw, name));
        } finally {
            rw.readLock().unlock();
        }
        try (OtherThread reader = OtherThread.holding("toString-reader", rw.readLock())) {
            seen.add("read-locked by the caller and toString-reader: " + states(rw, name));
        } finally {
            rw.readLock().unlock();
        }
        seen.add("unlocked again: " + states(rw, name));
        return seen;
    }

    private static String states(java.util.concurrent.locks.ReentrantReadWriteLock rw, String name) {
        return "rw=" + stateOf(rw, name) + " read=" + stateOf(rw.readLock(), name) + " write="
                + stateOf(rw.writeLock(), name);
    }

    /** A thread that takes locks in order, holds them until closed, then releases them. */
    static final class OtherThread implements AutoCloseable {
        private final CountDownLatch holding = new CountDownLatch(1);
        private final CountDownLatch letGo = new CountDownLatch(1);
        private final Thread thread;

        private OtherThread(String threadName, Lock... locks) {
            thread = new Thread(() -> {
                for (Lock l : locks) {
                    l.lock();
                }
                holding.countDown();
                try {
                    letGo.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    for (Lock l : locks) {
                        l.unlock();
                    }
                }
            }, threadName);
            thread.setDaemon(true);
        }

        /** Starts a thread named {@code threadName} and waits until it holds every lock. */
        static OtherThread holding(String threadName, Lock... locks) throws InterruptedException {
            OtherThread t = new OtherThread(threadName, locks);
            t.thread.start();
            assertThat(t.holding.await(30, TimeUnit.SECONDS)).as(threadName + " holds its locks").isTrue();
            return t;
        }

        /** Lets the thread release its locks, and waits until it has. */
        @Override
        public void close() throws InterruptedException {
            letGo.countDown();
            thread.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(thread.isAlive()).as(thread.getName() + " released its locks").isFalse();
        }
    }

    /**
     * On a JDK lock: whether {@code probed} ({@code tryLock()}, or {@code tryLock(0, unit)} if
     * {@code zeroTimeout}) takes a free lock while a thread is queued for it. The JDK has that
     * state only between an unlock and the wake-up of the thread queued behind it, so: the
     * calling thread holds {@code held}, a thread queues in {@code held.lock()} ({@code queued}
     * says when it is), the caller unlocks and probes at once. The queued thread may wake first,
     * so this is tried up to 50 times; true as soon as the probe took the lock with the other
     * thread still queued (it can leave the queue only with the lock).
     */
    static boolean takesAFreeLockPastAQueuedThread(Lock held, java.util.function.Predicate<Thread> queued,
                                                   Lock probed, boolean zeroTimeout) throws InterruptedException {
        for (int round = 0; round < 50; round++) {
            held.lock();
            Thread q = new Thread(() -> {
                held.lock();
                held.unlock();
            }, "jdk-queued-" + round);
            q.setDaemon(true);
            try {
                q.start();
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(1)).until(() -> queued.test(q));
                io.distlock.testing.Waiter.awaitParked(q);
            } finally {
                held.unlock();
            }
            boolean took = zeroTimeout ? probed.tryLock(0, TimeUnit.NANOSECONDS) : probed.tryLock();
            boolean stillQueued = false;
            if (took) {
                stillQueued = queued.test(q);
                probed.unlock();
            }
            q.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(q.isAlive()).as("the queued thread got the lock in the end").isFalse();
            if (took && stillQueued) {
                return true;
            }
        }
        return false;
    }

    /** Serializing {@code lock}, alone or inside a serializable object, fails naming it. */
    static void serializationIsRefused(Lock lock, String name) {
        assertThat(lock).isInstanceOf(Serializable.class);
        assertThatThrownBy(() -> serialize(lock)).isInstanceOf(NotSerializableException.class)
                .hasMessageContaining("'" + name + "'").hasMessageContaining("cannot be serialized");
        assertThatThrownBy(() -> serialize(new Guarded(lock))).isInstanceOf(NotSerializableException.class)
                .hasMessageContaining("'" + name + "'");
    }

    private static void serialize(Object o) throws java.io.IOException {
        try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
            out.writeObject(o);
        }
    }

    /** A legacy serializable class that keeps its lock in a plain field. */
    private static final class Guarded implements Serializable {
        private static final long serialVersionUID = 1L;
        @SuppressWarnings({"unused", "FieldCanBeLocal", "serial"})
        private final Lock lock;

        Guarded(Lock lock) {
            this.lock = lock;
        }
    }
}
