package io.distlock.internal;

import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;
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
    /** The threads of this JVM awaiting this condition object. */
    private final Set<Thread> waiting = ConcurrentHashMap.newKeySet();

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

    Set<Thread> waiting() {
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
        return List.copyOf(waiting);
    }

    @Override
    public String toString() {
        return "Condition[" + name + " of lock '" + sync.lockName() + "']";
    }
}
