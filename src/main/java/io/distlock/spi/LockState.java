package io.distlock.spi;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the server says about one lock name at one moment, for operators ({@link LockAdmin}): the
 * holder of the exclusive lock, its fencing token and remaining lease, since when it is held as
 * far as the back end can tell, and who waits, by kind.
 */
public final class LockState {

    /** Waiting acquisitions of a non-fair exclusive lock that found it busy (Redis; non-fair etcd transactions with the watchdog on). */
    public static final String WAITING = "waiting";
    /** The fair queue of the exclusive lock, first come first. */
    public static final String FAIR_QUEUE = "fair-queue";
    /** The queue of etcd's lock service behind the holder. */
    public static final String LOCK_SERVICE_QUEUE = "lock-service-queue";
    /** Condition waiters: the kind is this prefix followed by the condition's name. */
    public static final String CONDITION = "condition:";
    /** The holder of the write lock of the read/write lock of the same name. */
    public static final String WRITER = "writer";
    /**
     * The holders of the read lock of the read/write lock of the same name (a write holder's own
     * read included).
     */
    public static final String READERS = "readers";
    /** A writer waiting for readers to leave (keeps new readers out). */
    public static final String WRITE_INTENT = "write-intent";
    /**
     * The waiting acquisitions of the read/write lock of the same name, first come first: a kind
     * ({@code w} or {@code r}) then the token (Redis: its fair queue; etcd: its queue of keys,
     * kind and token apart by a slash).
     */
    public static final String READ_WRITE_QUEUE = "read-write-queue";

    private final String name;
    private final String holder;
    private final long fencingToken;
    private final long remainingLeaseMillis;
    private final Instant since;
    private final long sinceRevision;
    private final Map<String, List<String>> waiters;

    /**
     * Creates a state.
     *
     * @param name the lock name
     * @param holder the holder's identity on the server (its token, or its lease), or {@code null} if free
     * @param fencingToken the holder's fencing token, or zero if unknown or free
     * @param remainingLeaseMillis the holder's remaining lease, negative if unknown or free
     * @param since when the lease was taken, or {@code null} if the back end cannot tell
     * @param sinceRevision the store's revision at which the lease was taken, or zero if none
     * @param waiters who waits, by kind (see the constants), in order where the server keeps one
     */
    public LockState(String name, String holder, long fencingToken, long remainingLeaseMillis, Instant since,
                     long sinceRevision, Map<String, List<String>> waiters) {
        this.name = Objects.requireNonNull(name, "name");
        this.holder = holder;
        this.fencingToken = holder == null ? 0 : fencingToken;
        this.remainingLeaseMillis = holder == null ? -1 : remainingLeaseMillis;
        this.since = holder == null ? null : since;
        this.sinceRevision = holder == null ? 0 : sinceRevision;
        Map<String, List<String>> copy = new LinkedHashMap<>();
        waiters.forEach((kind, ids) -> {
            if (!ids.isEmpty()) {
                copy.put(kind, List.copyOf(ids));
            }
        });
        this.waiters = Collections.unmodifiableMap(copy);
    }

    /** {@return the lock name} */
    public String name() {
        return name;
    }

    /** {@return whether someone holds the exclusive lock} */
    public boolean isHeld() {
        return holder != null;
    }

    /** {@return the holder's identity on the server (its token, or its lease), or {@code null} if free} */
    public String holder() {
        return holder;
    }

    /** {@return the holder's fencing token, zero if unknown or free} */
    public long fencingToken() {
        return fencingToken;
    }

    /** {@return the holder's remaining lease in milliseconds, negative if unknown or free} */
    public long remainingLeaseMillis() {
        return remainingLeaseMillis;
    }

    /** {@return when the lease was taken, or {@code null} if free or the back end cannot tell} */
    public Instant since() {
        return since;
    }

    /** {@return the store's revision at which the lease was taken, or zero if free or none} */
    public long sinceRevision() {
        return sinceRevision;
    }

    /** {@return who waits, by kind; kinds with nobody are left out} */
    public Map<String, List<String>> waiters() {
        return waiters;
    }

    /** {@return how many wait, of every kind} */
    public int waiterCount() {
        return waiters.values().stream().mapToInt(List::size).sum();
    }

    /** {@return whether the server keeps anything for the name: a holder or a waiter} */
    public boolean isActive() {
        return holder != null || !waiters.isEmpty();
    }

    @Override
    public String toString() {
        return "LockState[name=" + name + ", holder=" + holder + ", fencingToken=" + fencingToken
                + ", remainingLeaseMillis=" + remainingLeaseMillis + ", since=" + since
                + ", sinceRevision=" + sinceRevision + ", waiters=" + waiters + "]";
    }

    /**
     * The exception of a forced release of a read/write lock that named a holder it does not have.
     *
     * @param name the lock name
     * @param writer the holder of its write lock, or {@code null}
     * @param readers the holders of its read lock
     * @param expected the holders named
     * @return the exception, saying both
     */
    public static IllegalStateException heldByOthers(String name, String writer, List<String> readers,
                                                     java.util.Collection<String> expected) {
        return new IllegalStateException("read/write lock '" + name + "' is held by writer "
                + (writer == null || writer.isEmpty() ? "-" : writer) + ", readers "
                + (readers.isEmpty() ? "-" : String.join(" ", readers)) + "; not by all of " + String.join(" ", expected)
                + ": nothing released (inspect it again)");
    }

    /**
     * The exception of a forced release that named another holder than the one the lock has.
     *
     * @param name the lock name
     * @param holder the holder the lock has
     * @param expected the holder named
     * @return the exception, saying both
     */
    public static IllegalStateException heldByAnother(String name, String holder, String expected) {
        return new IllegalStateException("lock '" + name + "' is held by " + holder + ", not by " + expected
                + ": nothing released (inspect it again)");
    }
}
