package io.distlock.internal;

import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine's alarm clock for threads in an untimed wait ({@code lock()},
 * {@code lockInterruptibly()}, {@code await()}, {@code awaitUninterruptibly()}): such a thread
 * parks without a timeout, so that it is in {@link Thread.State#WAITING} as it would be in a JDK
 * lock, and the engine wakes it when its next re-check is due (the holder's lease may have run
 * out, release announcements are not flowing, a condition waiter's record needs refreshing).
 * Timed waits park with their timeout as the JDK's do, in {@link Thread.State#TIMED_WAITING}.
 *
 * <pre>
 * One daemon thread per JVM ("distlock-waker"), started on first use, shared by every engine.
 * It only ever unparks threads: no network call and no user code runs on it, so an alarm is late
 * by scheduling jitter only, never by a slow server. An alarm goes off at or after its time; the
 * woken thread re-reads the clock, so an early unpark (a release announcement, an interrupt) and
 * a late alarm are both harmless.
 *
 * Setting and cancelling an alarm wake nobody unless the new alarm is due before the waker
 * thread's planned wake-up: the alarms are a sorted set the waker reads when it wakes, and a
 * cancelled one simply leaves the set (the waker may then wake once for nothing, and plans
 * again): its wake-ups are off the waiting threads' paths. The waker thread clears any
 * interrupt it is sent and outlives any error (every untimed wait relies on it). A scheduled executor woke its thread for every alarm that became its earliest, which
 * with one waiter per lock in a JVM is every alarm: a context switch per wait of every hand-over
 * between JVMs (about a tenth of a Redis hand-over's latency on a 2-core machine).
 *
 * No wake-up is lost: the waker publishes its plan (plan, volatile), then reads the earliest
 * alarm again before it parks, and plans again if that one is earlier; an alarm is added, then
 * the plan read, and the waker unparked if the alarm is due before it. So either the waker's
 * second read sees the new alarm, or the plan was published before the alarm was added and the
 * setter sees it (or a later one) and unparks the waker if need be (a permit given before the
 * waker parks makes that park return at once).
 * </pre>
 */
final class Waker {

    /** The alarms set and not yet gone off or cancelled, earliest first. */
    private static final ConcurrentSkipListSet<Entry> ALARMS = new ConcurrentSkipListSet<>();
    private static final AtomicLong SEQUENCE = new AtomicLong();
    /** The value of {@link #plan} while the waker waits for an unpark only (no alarm was set when it planned). */
    private static final long NO_PLAN = Long.MIN_VALUE;
    /**
     * When the waker thread next wakes by itself (System.nanoTime()), or NO_PLAN (an alarm due at
     * exactly that time only costs a needless unpark). Written by the waker thread only.
     */
    private static volatile long plan = NO_PLAN;
    /**
     * The longest delay of an alarm: due times are compared by their difference, a valid order
     * only while every alarm in the set is due within 2^63 ns of every other.
     */
    private static final long MAX_DELAY_NANOS = Long.MAX_VALUE >> 2;

    private Waker() {
    }

    /** The waker thread, started when the first alarm is set. */
    private static final class Holder {
        static final Thread THREAD = start();

        private static Thread start() {
            Thread t = Threads.daemon("distlock-waker").newThread(Waker::run);
            t.start();
            return t;
        }
    }

    /** One alarm: unpark {@code thread} at {@code due}; ordered by due time, then by when it was set. */
    private static final class Entry implements Comparable<Entry> {
        final long due;
        final long sequence;
        final Thread thread;

        Entry(long due, Thread thread) {
            this.due = due;
            this.sequence = SEQUENCE.getAndIncrement();
            this.thread = thread;
        }

        @Override
        public int compareTo(Entry o) {
            // nanoTime values are compared by their difference (they may wrap)
            long d = due - o.due;
            return d != 0 ? Long.signum(d) : Long.compare(sequence, o.sequence);
        }
    }

    /** An alarm set for one wait; cancel it when the wait ends. */
    interface Alarm {
        /** Cancels the alarm if it has not gone off (it is harmless if it has). */
        void cancel();
    }

    /**
     * Unparks {@code thread} once, {@code nanos} from now (at the earliest).
     *
     * @param thread the thread that will park
     * @param nanos the delay; at most 0 unparks at once
     * @return the alarm, to cancel when the wait ends
     */
    static Alarm wake(Thread thread, long nanos) {
        Thread waker = Holder.THREAD;
        Entry e = new Entry(System.nanoTime() + Math.min(Math.max(nanos, 0L), MAX_DELAY_NANOS), thread);
        ALARMS.add(e);
        long planned = plan;
        if (planned == NO_PLAN || e.due - planned < 0) {
            LockSupport.unpark(waker);
        }
        return () -> ALARMS.remove(e);
    }

    /** How many alarms of {@code threads} are set and have neither gone off nor been cancelled (for tests). */
    static long pendingAlarms(java.util.Collection<Thread> threads) {
        return ALARMS.stream().filter(e -> threads.contains(e.thread)).count();
    }

    /** Whether the waker thread has planned to wake by itself at {@code due} or before (for tests). */
    static boolean plansToWakeBy(long due) {
        long planned = plan;
        return planned != NO_PLAN && planned - due <= 0;
    }

    /** The waker thread: unparks the threads whose alarms are due, then sleeps until the next one. */
    private static void run() {
        while (true) {
            try {
                sweep();
            } catch (Throwable e) {
                // (an OutOfMemoryError, say) the waker must outlive it: every untimed wait
                // relies on it; the alarms stay in the set and the next pass serves them (a
                // moment later, so that an error that repeats does not take a whole core)
                plan = NO_PLAN;
                LockSupport.parkNanos(Waker.class, java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
    }

    /** One pass: unparks the threads whose alarms are due, plans, and parks until the plan. */
    private static void sweep() {
        // an interrupt (a container interrupting every thread on undeploy) would make each park
        // return at once: the waker thread takes none
        Thread.interrupted();
        long now = System.nanoTime();
        Entry first;
        while ((first = earliest()) != null && first.due - now <= 0) {
            if (ALARMS.remove(first)) {
                LockSupport.unpark(first.thread);
            }
        }
        plan = first == null ? NO_PLAN : first.due;
        // an alarm set before the plan was published, earlier than it, was missed by the
        // setter's check: plan again
        Entry again = earliest();
        if (again != null && (first == null || again.compareTo(first) < 0)) {
            return;
        }
        if (first == null) {
            LockSupport.park(Waker.class);
        } else {
            LockSupport.parkNanos(Waker.class, first.due - System.nanoTime());
        }
        // woken by an earlier alarm's setter, by its own time, or spuriously: look again
    }

    private static Entry earliest() {
        try {
            return ALARMS.isEmpty() ? null : ALARMS.first();
        } catch (java.util.NoSuchElementException e) {
            return null;   // emptied between the two reads
        }
    }

    /**
     * Parks the current thread until {@code end} ({@link System#nanoTime()}) at the latest, or an
     * unpark: without a timeout in {@link Thread.State#WAITING} with an alarm at {@code end} if
     * {@code untimed}, else with {@code parkNanos} in {@link Thread.State#TIMED_WAITING}. Returns
     * on the first unpark, interrupt or spurious wake-up; the caller re-checks its condition and
     * the clock, and, for an untimed wait, passes the same alarm to the next park.
     *
     * @param blocker the object the thread waits for (shown in thread dumps)
     * @param end when the wait ends
     * @param alarm the alarm of an untimed wait (see {@link #wake}), or null for a timed one
     */
    static void park(Object blocker, long end, Alarm alarm) {
        if (alarm != null) {
            // an alarm goes off at or after end: once end has passed it may have gone off already
            // (its unpark taken by a park nested in a call the waiter made), so no park then
            if (end - System.nanoTime() > 0) {
                LockSupport.park(blocker);
            }
        } else {
            LockSupport.parkNanos(blocker, end - System.nanoTime());
        }
    }
}
