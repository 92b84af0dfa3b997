package io.distlock.internal;

import io.distlock.LockBackendException;
import io.distlock.spi.ConditionBackend;
import io.distlock.spi.ReleaseWatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;

/**
 * The conditions of one lock that owns a lease (an exclusive lock, or the write side of a
 * read/write lock): the registry of its conditions by name, await and signal. Written once; the
 * lock is the {@link HoldSync} it belongs to (its local lock, its lock() for the re-acquisition).
 *
 * <pre>
 * await:
 * 1. The current thread must hold the lock (IllegalMonitorStateException) with its lease in
 *    place (LeaseLostException if it was lost); an interrupt already set is thrown first.
 * 2. A watch for this waiter's wake-up is opened, then one atomic step on the server checks the
 *    lease, queues the waiter and releases the lease, so whoever holds the lock next finds the
 *    waiter when it signals. Then every local hold is released (the count saved).
 * 3. The thread parks (untimed waits without a timeout: the engine's Waker wakes them) until
 *    woken by the watch, a signal of this JVM, its deadline, an interrupt or the periodic
 *    re-check (which also keeps its record alive); after each wake it asks the server whether
 *    its record is still queued: gone means signalled. At a deadline or an interrupt it
 *    withdraws the record: if a signal took it first, the wait counts as signalled (the
 *    interrupt status is then kept), so no signal is lost. A signal of this JVM transfers it:
 *    the signaller learns the ids it woke from the server, takes those waiters off the list,
 *    marks them signalled (no server check needed) and waits until each is queued for the
 *    lock, as the JDK's ConditionObject transfers a waiter before signal() returns: at most
 *    TRANSFER_NANOS, and not for a waiter whose re-acquisition failed (it says so: gaveUp).
 *    A waiter that a transfer reached while it withdrew (timeout, interrupt) counts as
 *    signalled, so that signal is not lost.
 * 4. It re-acquires the lock with the saved hold count, uninterruptibly, with a new fencing
 *    token, before returning or throwing; a new lease lost before the holds are restored is
 *    thrown as LeaseLostException (the holds restored), as a re-entrant acquisition throws it.
 * signal: the server checks, in the same step as it removes waiters, that the lease still owns
 * the lock; if not, LeaseLostException and nobody is woken. A retry after an unknown outcome may
 * wake one waiter more than asked (a spurious wake-up, which every waiter must expect); a waiter
 * of this JVM woken by a lost answer learns of it from the server, not by transfer.
 * </pre>
 */
final class Conditions {

    /**
     * How long a signal waits at most for a transferred waiter of this JVM to be queued for the
     * lock (normally a thread wake-up: microseconds).
     */
    static final long TRANSFER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How often an awaiting thread checks its record on the server and refreshes its life. */
    static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How long a waiter record lives without a refresh: a dead JVM's records go after this. */
    static final long ALIVE_MILLIS = 3 * TimeUnit.NANOSECONDS.toMillis(RECHECK_NANOS);

    /** The kind of hold these conditions belong to (the exclusive lock, or a write lock). */
    private final HoldSync hold;
    /** The slot whose lease an await gives back (the name's slot, or the write slot). */
    private final java.util.function.Supplier<ServerLease> slot;
    /** Called once an await gave the lease back, before the local holds go. */
    private final Runnable leaseGone;
    /** Whether a thread is queued for the lock (a signal's transfer waits for it). */
    private final java.util.function.Predicate<Thread> queuedForLock;
    private final ConcurrentHashMap<String, EngineCondition> byName = new ConcurrentHashMap<>();

    /**
     * @param hold the kind of hold these conditions belong to; it re-acquires through its lock()
     * @param slot the slot whose back end the conditions use and whose lease an await gives back
     * @param leaseGone called once an await gave the lease back, before the local holds go
     * @param queuedForLock whether a thread is queued for the lock (a signal's transfer)
     */
    Conditions(HoldSync hold, java.util.function.Supplier<ServerLease> slot, Runnable leaseGone,
               java.util.function.Predicate<Thread> queuedForLock) {
        this.hold = hold;
        this.slot = slot;
        this.leaseGone = leaseGone;
        this.queuedForLock = queuedForLock;
    }

    /** Releases {@code holds} local holds after the lease went with an await (no server call). */
    private void releaseLocally(int holds) {
        leaseGone.run();
        for (int i = 0; i < holds; i++) {
            hold.localUnlock();
        }
    }

    /**
     * Takes the lock again (with a lease) and restores {@code holds} holds, uninterruptibly. If
     * the new lease is lost before the holds are back, the holds stay restored (the caller's
     * unlocks balance them, the last one reporting the loss) and the loss is thrown, as a
     * re-entrant acquisition would throw it.
     *
     * @throws io.distlock.LeaseLostException if the new lease was lost meanwhile
     */
    private void reacquire(int holds) {
        hold.lock();
        for (int i = 1; i < holds; i++) {
            hold.localLock();
        }
        slot.get().confirmHold();
    }

    private ConditionBackend backend() {
        return slot.get().backend().conditions();
    }

    Condition newCondition(String conditionName) {
        LockEngine.checkName(conditionName);
        if (backend() == null) {
            throw new UnsupportedOperationException(slot.get().backend().describe() + " has no conditions for lock '"
                    + hold.name + "'");
        }
        return byName.computeIfAbsent(conditionName, c -> new EngineCondition(this, c));
    }

    /** The condition if it is one of this lock's; else the exception ReentrantLock would throw. */
    private EngineCondition own(Condition condition) {
        Objects.requireNonNull(condition, "condition");
        if (!(condition instanceof EngineCondition) || ((EngineCondition) condition).owner() != this) {
            throw new IllegalArgumentException("the condition was not created by lock '" + hold.name + "'");
        }
        return (EngineCondition) condition;
    }

    private void requireHeld() {
        if (hold.holds() == 0) {
            throw new IllegalMonitorStateException(hold.notHeldMessage());
        }
    }

    String lockName() {
        return hold.name;
    }

    boolean hasWaiters(Condition condition) {
        return getWaitQueueLength(condition) > 0;
    }

    int getWaitQueueLength(Condition condition) {
        EngineCondition c = own(condition);
        requireHeld();
        return hold.engine.retries.retrying("count waiters", hold.name, () -> backend().waiters(hold.name, c.name()));
    }

    Collection<Thread> getWaitingThreads(Condition condition) {
        EngineCondition c = own(condition);
        requireHeld();
        return c.waitingThreads();
    }

    /**
     * Signals up to {@code count} waiters of {@code c}, in any JVM, first come first served. The
     * signalled waiters of this JVM are transferred as the JDK transfers them: when this returns
     * they are no longer listed as waiting and are queued for the lock (they need not ask the
     * server whether they were signalled).
     */
    void signal(EngineCondition c, int count) {
        requireHeld();
        List<EngineCondition.Waiting> moved = new ArrayList<>();
        for (String id : slot.get().signalCondition(backend(), c.name(), count)) {
            EngineCondition.Waiting w = c.waiting().remove(id);
            if (w != null) {
                w.transferred = true;
                w.woken.set(true);
                LockSupport.unpark(w.thread);
                moved.add(w);
            }
        }
        long end = System.nanoTime() + TRANSFER_NANOS;
        for (EngineCondition.Waiting w : moved) {
            awaitQueued(w, end);
        }
    }

    /**
     * Waits, until {@code end} at the latest, for a transferred waiter to be queued for the lock
     * (this thread holds it, so the waiter's re-acquisition queues): first for it to leave its
     * wait, then, briefly spinning, for it to enter the lock's queue (a few instructions later).
     */
    private void awaitQueued(EngineCondition.Waiting w, long end) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (!w.leaving.await(Math.max(end - System.nanoTime(), 0L), TimeUnit.NANOSECONDS)) {
                        return;
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            // a few microseconds normally; the waiter may also fail to queue (a closed factory,
            // a refusal): then it says so
            for (int spins = 0; !queuedForLock.test(w.thread) && !w.gaveUp && w.thread.isAlive()
                    && !hold.engine.isClosed() && System.nanoTime() - end < 0; spins++) {
                if (spins < 100) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Awaits {@code c} (see the class comment).
     *
     * @return for a timed wait the time left (at most 0 on timeout, at least 1 if signalled);
     *         for an untimed wait 1
     */
    long await(EngineCondition c, boolean timed, long nanos, boolean interruptible) throws InterruptedException {
        requireHeld();
        if (interruptible && Thread.interrupted()) {
            throw new InterruptedException();
        }
        LockEngine engine = hold.engine;
        String name = hold.name;
        ConditionBackend backend = backend();
        long deadline = System.nanoTime() + Math.max(nanos, 0L);
        String waiter = engine.newToken();
        Thread me = Thread.currentThread();
        EngineCondition.Waiting node = new EngineCondition.Waiting(me);
        AtomicBoolean woken = node.woken;
        ReleaseWatch watch = backend.watchSignal(name, c.name(), waiter, () -> {
            woken.set(true);
            LockSupport.unpark(me);
        });
        int saved = hold.holds();
        boolean interrupted = false;
        boolean signalled = false;
        InterruptedException thrown = null;
        try {
            slot.get().releaseIntoCondition(backend, c.name(), waiter, ALIVE_MILLIS);
            long heldSince = slot.get().takeHeldSince();
            c.waiting().put(waiter, node);
            engine.registerConditionWaiter(me);
            releaseLocally(saved);
            engine.events.released(name, heldSince);
            long nextCheck = System.nanoTime() + RECHECK_NANOS;
            // an untimed await waits in Thread.State.WAITING, as in a JDK condition: the engine's
            // waker unparks it for each re-check of its record (a timed one parks with its timeout)
            Waker.Alarm alarm = timed ? null : Waker.wake(me, RECHECK_NANOS);
            try {
                while (!engine.isClosed()) {
                    if (node.transferred) {
                        // a signal of this JVM took the record: it waits for this thread to queue
                        signalled = true;
                        interrupted |= Thread.interrupted();
                        break;
                    }
                    long now = System.nanoTime();
                    if (timed && now - deadline >= 0) {
                        // a signal of this JVM may have taken the record meanwhile (and the
                        // withdrawal may have failed): that signal is not lost
                        signalled = !withdraw(backend, c, waiter) || node.transferred;
                        break;
                    }
                    if (!woken.get()) {
                        Waker.park(this, timed && deadline - nextCheck < 0 ? deadline : nextCheck, alarm);
                    }
                    if (Thread.interrupted()) {
                        if (node.transferred) {
                            // signalled before the interrupt was seen: the JDK returns normally
                            interrupted = true;
                            continue;
                        }
                        if (interruptible) {
                            if (withdraw(backend, c, waiter) && !node.transferred) {
                                thrown = new InterruptedException();
                            } else {
                                signalled = true;
                                interrupted = true;
                            }
                            break;
                        }
                        interrupted = true;
                    }
                    if (woken.getAndSet(false) || System.nanoTime() - nextCheck >= 0) {
                        nextCheck = System.nanoTime() + RECHECK_NANOS;
                        if (alarm != null) {
                            alarm.cancel();
                            alarm = Waker.wake(me, RECHECK_NANOS);
                        }
                        if (node.transferred || !stillQueued(backend, c, waiter)) {
                            signalled = true;
                            break;
                        }
                    }
                }
            } finally {
                if (alarm != null) {
                    alarm.cancel();
                }
            }
            if (engine.isClosed()) {
                withdrawQuietly(backend, c, waiter);
            }
        } finally {
            watch.close();
            c.waiting().remove(waiter, node);
            engine.unregisterConditionWaiter(me);
            node.leaving.countDown();
        }
        // re-acquire with the saved holds, whatever ended the wait (a closed factory throws
        // IllegalStateException here); an interrupt does not stop it
        boolean pending = Thread.interrupted();
        try {
            reacquire(saved);
        } catch (RuntimeException e) {
            node.gaveUp = true;
            // the InterruptedException this wait was to throw is not lost: its status is set
            pending |= thrown != null;
            throw e;
        } finally {
            if (pending || interrupted) {
                me.interrupt();
            }
        }
        if (thrown != null) {
            Thread.interrupted();
            throw thrown;
        }
        if (!timed) {
            return 1;
        }
        long left = deadline - System.nanoTime();
        return signalled ? Math.max(left, 1L) : Math.min(left, 0L);
    }

    /** Withdraws the waiter; true if it was still queued. An unreachable server counts as queued. */
    private boolean withdraw(ConditionBackend backend, EngineCondition c, String waiter) {
        try {
            return hold.engine.retries.retrying("withdraw waiter", hold.name,
                    () -> backend.withdraw(hold.name, c.name(), waiter));
        } catch (LockBackendException e) {
            // not known to be signalled: report a timeout (the record expires with its refreshes)
            return true;
        }
    }

    private void withdrawQuietly(ConditionBackend backend, EngineCondition c, String waiter) {
        try {
            backend.withdraw(hold.name, c.name(), waiter);
        } catch (RuntimeException e) {
            // the record expires with its refreshes, or with the session
        }
    }

    /** Whether the waiter is still queued; an unreachable server counts as queued (check again later). */
    private boolean stillQueued(ConditionBackend backend, EngineCondition c, String waiter) {
        try {
            return backend.keepWaiting(hold.name, c.name(), waiter, ALIVE_MILLIS);
        } catch (LockBackendException e) {
            return true;
        }
    }
}
