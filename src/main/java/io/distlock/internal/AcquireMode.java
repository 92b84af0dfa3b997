package io.distlock.internal;

/** How an acquisition waits: not at all, until a deadline, forever, or forever unless interrupted. */
enum AcquireMode {
    NO_WAIT, TIMED, UNINTERRUPTIBLE, INTERRUPTIBLE;

    boolean interruptible() {
        return this == TIMED || this == INTERRUPTIBLE;
    }
}
