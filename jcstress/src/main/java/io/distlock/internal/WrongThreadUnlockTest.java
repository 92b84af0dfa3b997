package io.distlock.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A holder nests the lock twice and unlocks once while another thread, which never held it,
 * calls {@code unlock()}. The intruder must always get IllegalMonitorStateException and the
 * holder's count must not move.
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "holder saw hold count 1 after one of two unlocks; intruder refused")
@Outcome(id = ".*, 0", expect = FORBIDDEN, desc = "a thread that never held the lock unlocked it")
@Outcome(expect = FORBIDDEN, desc = "the holder's count was disturbed")
@State
public class WrongThreadUnlockTest {

    final LockSync sync = Stress.JVM_A.sync(Stress.freshName());

    @Actor
    public void holder(II_Result r) {
        sync.lock();
        sync.lock();
        sync.unlock();
        r.r1 = sync.getHoldCount();
        sync.unlock();
    }

    @Actor
    public void intruder(II_Result r) {
        try {
            sync.unlock();
            r.r2 = 0;
        } catch (IllegalMonitorStateException expected) {
            r.r2 = 1;
        }
    }
}
