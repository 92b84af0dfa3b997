package io.distlock.internal;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
 * a late alarm are both harmless. Waits are already on the contended path (a network round trip
 * each), so one scheduled task per park costs nothing measurable; the uncontended path never
 * parks.
 * </pre>
 */
final class Waker {

    private static final ScheduledThreadPoolExecutor ALARMS = newAlarms();

    private Waker() {
    }

    private static ScheduledThreadPoolExecutor newAlarms() {
        ScheduledThreadPoolExecutor alarms = new ScheduledThreadPoolExecutor(1, Threads.daemon("distlock-waker"));
        // a cancelled alarm leaves the queue at once: waits that end early leave nothing behind
        alarms.setRemoveOnCancelPolicy(true);
        return alarms;
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
        ScheduledFuture<?> f = ALARMS.schedule(() -> LockSupport.unpark(thread), Math.max(nanos, 0L), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
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
