package io.distlock.internal;

/**
 * The time the engine's lease bookkeeping reads: when a lease was granted and runs out, when its
 * renewal is due, when its own term ends; the sweeper's visits compare against it. Injectable so
 * that engine tests set the time instead of sleeping through a lease. Waits and deadlines of
 * callers (parking, a {@code tryLock} timeout, a back end's time budget) use
 * {@link System#nanoTime()}, as the JDK's locks do.
 */
@FunctionalInterface
interface EngineClock {

    /** The JVM's monotonic clock. */
    EngineClock SYSTEM = System::nanoTime;

    /** The current time in nanoseconds, on the same scale as {@link System#nanoTime()} for {@link #SYSTEM}. */
    long nanoTime();
}
