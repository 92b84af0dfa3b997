package io.distlock.internal;

import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * A distributed {@link Condition} of one lock: the methods of the interface over
 * {@link Conditions#await} and {@link Conditions#signal}, which do the work (see there).
 * Identified on the server by the lock's name and the condition's name.
 */
final class EngineCondition implements Condition {

    private final Conditions sync;
    private final String name;
    /** The threads of this JVM awaiting this condition object, by their waiter id on the server. */
    private final ConcurrentHashMap<String, Waiting> waiting = new ConcurrentHashMap<>();

    /**
     * One thread of this JVM in {@code await}. Written by the awaiting thread (added, removed,
     * {@code leaving}) and by a signalling thread of this JVM ({@code transferred}, {@code woken}).
     */
    static final class Waiting {
        final Thread thread;
        /** Set by the watch or a signal of this JVM: the waiter should look again. */
        final java.util.concurrent.atomic.AtomicBoolean woken = new java.util.concurrent.atomic.AtomicBoolean();
        /** Counted down when the thread leaves the wait to re-acquire the lock. */
        final java.util.concurrent.CountDownLatch leaving = new java.util.concurrent.CountDownLatch(1);
        /** A signal of this JVM took its record on the server: signalled, no need to ask. */
        volatile boolean transferred;
        /** Its re-acquisition failed (a closed factory, a refusal): it will not queue. */
        volatile boolean gaveUp;

        Waiting(Thread thread) {
            this.thread = thread;
        }
    }

    EngineCondition(Conditions sync, String name) {
        this.sync = sync;
        this.name = name;
    }

    String name() {
        return name;
    }

    Conditions owner() {
        return sync;
    }

    ConcurrentHashMap<String, Waiting> waiting() {
        return waiting;
    }

    @Override
    public void await() throws InterruptedException {
        sync.await(this, false, 0L, true);
    }

    @Override
    public void awaitUninterruptibly() {
        try {
            sync.await(this, false, 0L, false);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    @Override
    public long awaitNanos(long nanosTimeout) throws InterruptedException {
        return sync.await(this, true, nanosTimeout, true);
    }

    @Override
    public boolean await(long time, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        return sync.await(this, true, unit.toNanos(time), true) > 0;
    }

    @Override
    public boolean awaitUntil(Date deadline) throws InterruptedException {
        Objects.requireNonNull(deadline, "deadline");
        long millis = deadline.getTime() - System.currentTimeMillis();
        return sync.await(this, true, TimeUnit.MILLISECONDS.toNanos(millis), true) > 0;
    }

    @Override
    public void signal() {
        sync.signal(this, 1);
    }

    @Override
    public void signalAll() {
        sync.signal(this, Integer.MAX_VALUE);
    }

    /** The threads of this JVM awaiting it (for getWaitingThreads). */
    Collection<Thread> waitingThreads() {
        List<Thread> threads = new java.util.ArrayList<>();
        for (Waiting w : waiting.values()) {
            threads.add(w.thread);
        }
        return threads;
    }

    @Override
    public String toString() {
        return "Condition[" + name + " of lock '" + sync.lockName() + "']";
    }
}
