package io.distlock.internal;

import io.distlock.AutoRenewal;
import io.distlock.LeaseLostException;
import io.distlock.LockBackendException;
import io.distlock.LockOptions;
import io.distlock.spi.LockBackend;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Renewal and expiry of one slot's held lease: the sweeper's visit (watchdog renewal, fixed-lease
 * expiry, the end of a lease's own term, a holder thread that died), the holder's own
 * {@code renew}, {@code holdFor} and {@code autoRenew}.
 *
 * <pre>
 * Runs on the sweeper's thread (sweep, auto-renewal tasks) and on the holder's (renew, holdFor,
 * autoRenew). It writes nothing of the slot: it reads the current lease, moves its renewal due
 * time and expiry (Lease's own fields), and reports a loss through ServerLease.lose, the one place
 * where a lease is marked lost and reported.
 * </pre>
 */
final class LeaseRenewal {

    private final ServerLease slot;
    private final LockEngine engine;
    private final LockBackend backend;
    private final String name;

    LeaseRenewal(ServerLease slot, LockEngine engine, LockBackend backend, String name) {
        this.slot = slot;
        this.engine = engine;
        this.backend = backend;
        this.name = name;
    }

    /** Checks a lease time given to renew or holdFor. */
    private static void requireLeaseTime(Duration leaseTime) {
        Objects.requireNonNull(leaseTime, "leaseTime");
        if (leaseTime.compareTo(LockOptions.MIN_LEASE) < 0 || leaseTime.compareTo(LockOptions.MAX_LEASE) > 0) {
            throw new IllegalArgumentException("leaseTime must be between " + LockOptions.MIN_LEASE + " and "
                    + LockOptions.MAX_LEASE + ", was " + leaseTime);
        }
    }

    /**
     * See {@link io.distlock.DistributedLock#renew(Duration)}; the caller checked ownership. A
     * lease with a term of its own (holdFor) gets its term extended to {@code leaseTime} from now.
     */
    void renew(Duration leaseTime) {
        requireLeaseTime(leaseTime);
        Lease l = slot.heldLease();
        if (l.hasTerm()) {
            setTerm(l, leaseTime);
            return;
        }
        renewOrThrow(l, leaseTime.toMillis());
    }

    /**
     * See {@link io.distlock.DistributedLock#holdFor(Duration)}; the caller checked ownership.
     * The lease gets a term ending {@code leaseTime} from now: the watchdog, if on, renews it
     * only up to that end (so the server's key never outlives it by more than a renewal already
     * under way), one renewal to the term is made now, and at the end the sweeper ends the hold:
     * lost, reported and given back on the server (on etcd the key hangs on the factory's
     * session, which outlives the term).
     */
    void holdFor(Duration leaseTime) {
        requireLeaseTime(leaseTime);
        setTerm(slot.heldLease(), leaseTime);
    }

    /** Sets {@code l}'s term to end {@code length} from now and renews it to that end. */
    private void setTerm(Lease l, Duration length) {
        long end = engine.clock.nanoTime() + length.toNanos();
        // first: from now on the watchdog renews only up to the new end, and the sweeper does not
        // end the hold at an earlier one
        l.setTermEnd(end);
        renewOrThrow(l, length.toMillis());
        l.dueAt(Math.min(l.dueNanos(), end));
    }

    /** One renewal (with retries) of a held lease; LeaseLostException if it is lost, then or meanwhile. */
    private void renewOrThrow(Lease l, long leaseMillis) {
        if (!renewLease(l, leaseMillis, true) || l.isLost()) {
            throw new LeaseLostException(name, l.fencingToken());
        }
    }

    /** See {@link io.distlock.DistributedLock#autoRenew(Duration)}; the caller checked ownership. */
    AutoRenewal autoRenew(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.compareTo(LockOptions.MIN_RENEW_INTERVAL) < 0
                || interval.compareTo(engine.options.leaseTime()) >= 0) {
            throw new IllegalArgumentException("interval must be at least " + LockOptions.MIN_RENEW_INTERVAL
                    + " and shorter than the lease time " + engine.options.leaseTime() + ", was " + interval);
        }
        return new PeriodicRenewal(slot.heldLease(), interval.toNanos());
    }

    /**
     * The sweeper's visit: renews a watchdog lease that is due, or expires a fixed one. A lease
     * whose holder thread has terminated without unlocking is reported lost and given back on
     * the server (nobody can act under it any more: the thread is gone, and the JVM's other
     * threads stay blocked on its local lock, as with a ReentrantLock), so the rest of the fleet
     * is not blocked for ever.
     */
    void sweep(long now) {
        Lease l = slot.lease();
        if (l == null || l.isLost()) {
            return;
        }
        Thread h = slot.holder();
        // re-read after isAlive: a thread that handed the lease over and then ended is no holder
        if (h != null && !h.isAlive() && slot.holder() == h && slot.lease() == l) {
            if (l.markLost()) {
                engine.reportDeadHolder(name, h, l.fencingToken());
                engine.releaser.release(backend, name, l.token, false);
            }
            return;
        }
        if (l.termEnded(now)) {
            expire(l);
            return;
        }
        if (now - l.dueNanos() < 0) {
            return;
        }
        if (engine.options.watchdog()) {
            long next = now + engine.options.renewInterval().toNanos();
            if (l.unconfirmedHandOver()) {
                // handed over for a short time: should this renewal fail, the next comes within
                // half of what is left of the lease (at least a retry pause later), not an
                // interval later, when the lease would have run out
                next = Math.min(next, now + Math.max((l.validUntilNanos() - now) / 2, engine.retries.pauseNanos(0)));
            }
            l.dueAt(l.hasTerm() ? Math.min(next, l.termEndNanos()) : next);
            renewOnce(l);
            if (!l.unconfirmedHandOver() && l.dueNanos() - next == 0 && next - now < engine.options.renewInterval().toNanos()) {
                // confirmed now: the next renewal an interval from this one
                long regular = now + engine.options.renewInterval().toNanos();
                l.dueAt(l.hasTerm() ? Math.min(regular, l.termEndNanos()) : regular);
            }
        } else {
            expire(l);
        }
    }

    /**
     * One renewal of {@code l} to {@code leaseMillis}; reports and returns false if it was lost.
     * With a fixed lease, moves its expiry to the new end.
     */
    private boolean renewLease(Lease l, long leaseMillis, boolean retry) {
        long sentAt = engine.clock.nanoTime();
        l.beginRenewal(sentAt, TimeUnit.MILLISECONDS.toNanos(leaseMillis));
        long granted;
        try {
            granted = retry
                    ? engine.retries.retrying("renew", name, () -> backend.renew(name, l.token, leaseMillis))
                    : backend.renew(name, l.token, leaseMillis);
        } catch (RuntimeException e) {
            l.endRenewal(false, 0);
            if (!retry && e instanceof io.distlock.LockBackendException) {
                engine.events.backendError(name, (io.distlock.LockBackendException) e);
            }
            engine.events.renewed(name, false);
            throw e;
        }
        engine.events.renewed(name, granted >= 0);
        if (granted < 0) {
            l.endRenewal(false, 0);
            if (slot.lease() == l) {
                slot.lose(l);
            }
            return false;
        }
        l.endRenewal(true, sentAt + TimeUnit.MILLISECONDS.toNanos(Math.min(granted, leaseMillis)));
        if (!engine.options.watchdog()) {
            l.dueAt(l.validUntilNanos());
        }
        return true;
    }

    /**
     * Watchdog and auto-renewal task: one renewal of a current lease to the configured lease
     * time (a lease with a term of its own: at most to the term's end). A failure to reach the
     * server costs the lease only once its last confirmed expiry has passed. A failure that came
     * back quickly (a refused or broken connection: after a server restart the first call on each
     * pooled connection fails) is tried again after the first retry pause rather than a whole
     * renewal interval later, once in a row, so that a lease the restarted server forgot is found
     * lost within about one renewal interval; a slow failure (a frozen server) is not, so that it
     * cannot hold the single sweeper thread back from every other lease.
     */
    private void renewOnce(Lease l) {
        if (slot.lease() != l || l.isLost()) {
            return;
        }
        long start = System.nanoTime();
        long leaseMillis = engine.leaseMillis;
        if (l.hasTerm()) {
            long termLeft = l.termEndNanos() - engine.clock.nanoTime();
            leaseMillis = Math.max(1L, Math.min(leaseMillis, TimeUnit.NANOSECONDS.toMillis(termLeft)));
        }
        try {
            renewLease(l, leaseMillis, false);
            l.renewed();
        } catch (LockBackendException e) {
            long pause = engine.retries.pauseNanos(0);
            if (l.hasRunOut() && slot.lease() == l && slot.lose(l)) {
                return;
            }
            if (engine.options.watchdog() && !e.isPermanent() && System.nanoTime() - start < pause
                    && l.retryEarly()) {
                l.dueAt(Math.min(l.dueNanos(), engine.clock.nanoTime() + pause));
            }
        }
    }

    /**
     * A fixed lease has run out, or a lease's own term has ended, while the lock is still held:
     * lost and reported. A lease with a term of its own is also given back on the server, where
     * it may outlive the term. Nothing happens if a holder's renewal extended it meanwhile.
     */
    private void expire(Lease l) {
        if (slot.lease() != l || !(l.hasRunOut() || l.termEnded(engine.clock.nanoTime()))) {
            return;
        }
        if (slot.lose(l)) {
            if (l.hasTerm()) {
                engine.releaser.release(backend, name, l.token, false);
            }
        }
    }

    /** Renewals of one lease every interval until closed, released or lost. */
    private final class PeriodicRenewal implements AutoRenewal, Runnable {
        private final Lease l;
        private final ScheduledFuture<?> task;
        private volatile boolean closed;

        PeriodicRenewal(Lease l, long intervalNanos) {
            this.l = l;
            this.task = engine.sweeper.schedule(this, intervalNanos, intervalNanos);
        }

        @Override
        public void run() {
            if (!isActive()) {
                task.cancel(false);
                return;
            }
            renewOnce(l);
        }

        @Override
        public boolean isActive() {
            return !closed && slot.lease() == l && !l.isLost();
        }

        @Override
        public void close() {
            closed = true;
            task.cancel(false);
        }
    }
}
