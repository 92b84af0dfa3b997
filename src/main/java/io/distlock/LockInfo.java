package io.distlock;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The state of one lock as seen from the calling thread at one moment: what the server says
 * (held or not, the holder's fencing token and remaining lease where the back end can tell) and
 * what this JVM knows (whether the calling thread holds it, its hold count), with the options in
 * force. Obtained from {@link DistributedLock#info()}. Immutable; a snapshot that may be stale
 * as soon as it is returned.
 */
public final class LockInfo {

    private final String name;
    private final boolean locked;
    private final long fencingToken;
    private final long remainingLeaseMillis;
    private final boolean heldByCurrentThread;
    private final int holdCount;
    private final LockOptions options;

    /**
     * Creates a snapshot.
     *
     * @param name the lock name
     * @param locked whether the server says someone holds the lock
     * @param fencingToken the holder's fencing token, or zero if unknown or free
     * @param remainingLeaseMillis the holder's remaining lease, negative if unknown or free
     * @param heldByCurrentThread whether the calling thread holds it under a valid lease
     * @param holdCount the calling thread's hold count
     * @param options the options in force
     */
    public LockInfo(String name, boolean locked, long fencingToken, long remainingLeaseMillis,
                    boolean heldByCurrentThread, int holdCount, LockOptions options) {
        this.name = Objects.requireNonNull(name, "name");
        this.locked = locked;
        this.fencingToken = fencingToken;
        this.remainingLeaseMillis = remainingLeaseMillis;
        this.heldByCurrentThread = heldByCurrentThread;
        this.holdCount = holdCount;
        this.options = Objects.requireNonNull(options, "options");
    }

    /** {@return the lock name} */
    public String name() {
        return name;
    }

    /** {@return whether the server says some JVM holds the lock} */
    public boolean isLocked() {
        return locked;
    }

    /**
     * Returns the holder's fencing token, if the lock is held and the back end can tell it. A JVM
     * whose thread holds the lock sees that thread's own token. Seen from elsewhere, a Redis
     * lock reports the last token issued for its name, which is the holder's first (a hand-over
     * between threads of the holder's JVM adds to it) unless, since the holder's acquisition,
     * the lock of the other kind with the same name (the exclusive lock, or the read/write lock)
     * was acquired, or a write lock's holder took the read lock (a downgrade): the kinds of one
     * name share one counter.
     *
     * @return the token, or empty if the lock is free or the back end cannot tell
     */
    public OptionalLong fencingToken() {
        return locked && fencingToken > 0 ? OptionalLong.of(fencingToken) : OptionalLong.empty();
    }

    /** {@return the holder's remaining lease on the server, if the lock is held and the back end can tell it} */
    public Optional<Duration> remainingLease() {
        return locked && remainingLeaseMillis >= 0 ? Optional.of(Duration.ofMillis(remainingLeaseMillis)) : Optional.empty();
    }

    /** {@return whether the calling thread holds the lock under a valid lease} */
    public boolean isHeldByCurrentThread() {
        return heldByCurrentThread;
    }

    /** {@return the calling thread's hold count, zero if it does not hold the lock} */
    public int holdCount() {
        return holdCount;
    }

    /** {@return the options of the factory the lock comes from} */
    public LockOptions options() {
        return options;
    }

    @Override
    public String toString() {
        return "LockInfo[name=" + name + ", locked=" + locked
                + (fencingToken > 0 ? ", fencingToken=" + fencingToken : "")
                + (remainingLeaseMillis >= 0 ? ", remainingLease=" + Duration.ofMillis(remainingLeaseMillis) : "")
                + ", heldByCurrentThread=" + heldByCurrentThread + ", holdCount=" + holdCount
                + ", options=" + options + "]";
    }
}
