package io.distlock.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The local part of await and signal: a waiter holding the lock twice awaits a flag while a
 * signaller in another "JVM" (a second engine over the same store) sets it and signals, in any
 * interleaving. The waiter must never miss the signal (each wait is bounded; a wait that ran
 * out while the flag was already set and signalled would be a lost signal), must get its two
 * holds back, and nothing may be left on the store (no lease, no waiter record).
 */
@JCStressTest
@Outcome(id = "2, 0, 0, 0", expect = ACCEPTABLE, desc = "holds restored, no lost signal, store clean")
@Outcome(id = ".*, [1-9].*, .*, .*", expect = FORBIDDEN, desc = "a signal was lost: the waiter timed out")
@Outcome(expect = FORBIDDEN, desc = "holds not restored, or a lease or waiter record left")
@State
public class ConditionSignalRaceTest {

    final String name = Stress.freshName();
    final LockSync waiterSide = Stress.JVM_A.sync(name);
    final LockSync signallerSide = Stress.JVM_B.sync(name);
    final Condition waiterCondition = waiterSide.newCondition("c");
    final Condition signallerCondition = signallerSide.newCondition("c");
    volatile boolean ready;

    @Actor
    public void waiter(IIII_Result r) {
        waiterSide.lock();
        waiterSide.lock();
        try {
            int timeouts = 0;
            while (!ready) {
                try {
                    // a missed signal shows as a timeout after the flag was set
                    if (waiterCondition.awaitNanos(TimeUnit.MILLISECONDS.toNanos(200)) <= 0 && ready) {
                        timeouts++;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            r.r1 = waiterSide.getHoldCount();
            r.r2 = timeouts;
        } finally {
            waiterSide.unlock();
            waiterSide.unlock();
        }
    }

    @Actor
    public void signaller() {
        signallerSide.lock();
        try {
            ready = true;
            signallerCondition.signal();
        } finally {
            signallerSide.unlock();
        }
    }

    @Arbiter
    public void storeIsClean(IIII_Result r) {
        r.r3 = Stress.BACKEND.isLocked(name) ? 1 : 0;
        r.r4 = Stress.BACKEND.waiterRecords(name, "c");
    }
}
