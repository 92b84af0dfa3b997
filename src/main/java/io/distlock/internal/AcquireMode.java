package io.distlock.internal;

/**
 * How an acquisition waits: not at all, until a deadline, forever, or forever unless interrupted.
 * NO_WAIT_NO_OVERTAKING does not wait either, and does not overtake waiters queued on the server as
 * NO_WAIT may (tryLock(0, unit) of a fair lock, or of a non-fair read/write lock).
 */
enum AcquireMode {
    NO_WAIT, NO_WAIT_NO_OVERTAKING, TIMED, UNINTERRUPTIBLE, INTERRUPTIBLE;

    /** Whether the acquisition gives up at its first busy answer. */
    boolean noWait() {
        return this == NO_WAIT || this == NO_WAIT_NO_OVERTAKING;
    }

    boolean interruptible() {
        return this == TIMED || this == INTERRUPTIBLE;
    }
}
