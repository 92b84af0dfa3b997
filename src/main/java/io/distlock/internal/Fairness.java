package io.distlock.internal;

/**
 * The ordering policy of a lock, chosen once when its engine state is made, as
 * {@code ReentrantLock} chooses {@code FairSync} or {@code NonfairSync}: the acquisition skeleton
 * ({@link HoldSync}) asks it, and never re-tests a flag.
 *
 * <ul>
 *   <li>{@link #FAIR}: every first hold that waits takes its own place in the server's queue
 *       before the local lock (threads of every JVM are served in the order they reached the
 *       server); {@code tryLock(0, unit)} takes a free lock only if nobody is queued; no lease is
 *       kept for a local hand-over and no courtesy window is needed.</li>
 *   <li>{@link #NONFAIR}: the local lock first, then the server; the last unlock may keep the
 *       lease for a queued local thread, and a JVM that just released while others listen lets
 *       them in first (the courtesy window), so that no JVM starves another.</li>
 * </ul>
 * Both barge on {@code tryLock()}, as the JDK's locks do.
 */
abstract class Fairness {

    /** Arrival order across JVMs. */
    static final Fairness FAIR = new Fair();
    /** Local first, with local hand-overs and a courtesy window for other JVMs. */
    static final Fairness NONFAIR = new Nonfair();

    private Fairness() {
    }

    /** Whether the current thread's acquisition of {@code hold} queues on the server before the local lock. */
    abstract boolean serverFirst(HoldSync hold);

    /** Whether acquisitions hold their place in the server's queue (a back end's queued side). */
    abstract boolean queuesOnServer();

    /** How {@code tryLock(time, unit)} with no time left tries the server. */
    abstract AcquireMode noTimeLeftMode();

    /** Whether a release may keep the lease for a local thread and give other JVMs a courtesy window. */
    abstract boolean letsOtherJvmsIn();

    private static final class Fair extends Fairness {
        @Override
        boolean serverFirst(HoldSync hold) {
            // a re-entrant hold is local; a write holder's read (a downgrade) must not queue
            // behind writers waiting for the write lock it holds
            return hold.holds() == 0 && !hold.isDowngrade();
        }

        @Override
        boolean queuesOnServer() {
            return true;
        }

        @Override
        AcquireMode noTimeLeftMode() {
            return AcquireMode.NO_WAIT_NO_OVERTAKING;
        }

        @Override
        boolean letsOtherJvmsIn() {
            return false;
        }

        @Override
        public String toString() {
            return "fair";
        }
    }

    private static final class Nonfair extends Fairness {
        @Override
        boolean serverFirst(HoldSync hold) {
            return false;
        }

        @Override
        boolean queuesOnServer() {
            return false;
        }

        @Override
        AcquireMode noTimeLeftMode() {
            return AcquireMode.NO_WAIT;
        }

        @Override
        boolean letsOtherJvmsIn() {
            return true;
        }

        @Override
        public String toString() {
            return "non-fair";
        }
    }
}
