package io.distlock.internal;

import io.distlock.LockBackendException;
import io.distlock.LockObserver;
import java.util.Arrays;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The observers of one engine and the dispatch of events to them. With no observer that times
 * acquisitions (LockObserver.timesAcquisitions) the hot path pays one volatile read
 * ({@link #start()}) and reads no clock: an acquisition started with
 * {@link #OFF} reports nothing, and neither does the end of its hold.
 */
final class LockEvents {

    /** What {@link #start()} returns when nobody observes: events started with it are dropped. */
    static final long OFF = Long.MIN_VALUE;

    private static final Logger log = LoggerFactory.getLogger(LockEvents.class);
    private static final LockObserver[] NONE = new LockObserver[0];

    private final String owner;
    /** Every observer: renewals, losses and back-end errors go to all of them. */
    private volatile LockObserver[] observers = NONE;
    /** The observers that time acquisitions and holds (LockObserver.timesAcquisitions). */
    private volatile LockObserver[] timing = NONE;

    LockEvents(String owner) {
        this.owner = owner;
    }

    synchronized void add(LockObserver observer) {
        Objects.requireNonNull(observer, "observer");
        observers = with(observers, observer);
        if (observer.timesAcquisitions()) {
            timing = with(timing, observer);
        }
    }

    private static LockObserver[] with(LockObserver[] now, LockObserver observer) {
        LockObserver[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = observer;
        return next;
    }

    synchronized boolean remove(LockObserver observer) {
        LockObserver[] now = observers;
        LockObserver[] next = without(now, observer);
        if (next == now) {
            return false;
        }
        observers = next;
        timing = without(timing, observer);
        return true;
    }

    /** {@code now} without {@code observer}, or {@code now} itself if it is not there. */
    private static LockObserver[] without(LockObserver[] now, LockObserver observer) {
        for (int i = 0; i < now.length; i++) {
            if (now[i] == observer) {
                LockObserver[] next = new LockObserver[now.length - 1];
                System.arraycopy(now, 0, next, 0, i);
                System.arraycopy(now, i + 1, next, i, now.length - i - 1);
                return next;
            }
        }
        return now;
    }

    /** The start of an acquisition: the clock if someone times acquisitions, else {@link #OFF}. */
    long start() {
        return timing.length == 0 ? OFF : System.nanoTime();
    }

    /**
     * Tells the observers of an acquisition started at {@code start}.
     *
     * @return when it ended (the start of the hold, for {@link #released}), or {@link #OFF}
     */
    long acquired(String name, long start, boolean contended, boolean handOver) {
        if (start == OFF) {
            return OFF;
        }
        long now = System.nanoTime();
        long nanos = now - start;
        for (LockObserver o : timing) {
            try {
                o.acquired(name, nanos, contended, handOver);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
        return now;
    }

    /** Tells the observers of an acquisition started at {@code start} that ended with {@code error}. */
    void acquireError(String name, long start, Throwable error) {
        if (start == OFF) {
            return;
        }
        long nanos = System.nanoTime() - start;
        for (LockObserver o : timing) {
            try {
                o.acquireError(name, nanos, error);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
    }

    /**
     * Tells the observers of the end of a hold that began at {@code since} (what
     * {@link #acquired} returned): nothing if that was {@link #OFF}.
     */
    void released(String name, long since) {
        if (since == OFF) {
            return;
        }
        long nanos = System.nanoTime() - since;
        for (LockObserver o : timing) {
            try {
                o.released(name, nanos);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
    }

    void acquireFailed(String name, long start) {
        if (start == OFF) {
            return;
        }
        long nanos = System.nanoTime() - start;
        for (LockObserver o : timing) {
            try {
                o.acquireFailed(name, nanos);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
    }

    void renewed(String name, boolean succeeded) {
        for (LockObserver o : observers) {
            try {
                o.renewed(name, succeeded);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
    }

    void leaseLost(String name) {
        for (LockObserver o : observers) {
            try {
                o.leaseLost(name);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
    }

    void backendError(String name, LockBackendException error) {
        for (LockObserver o : observers) {
            try {
                o.backendError(name, error);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
    }

    private void failed(LockObserver o, RuntimeException e) {
        log.warn("{}: lock observer {} failed", owner, o, e);
    }
}
