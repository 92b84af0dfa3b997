package io.distlock.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.distlock.LeaseLostException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The store forgets a lease (an expiry, a restart) while its holder unlocks. Either the unlock
 * came first and succeeded, or it reports the lost lease; in both cases the lock ends released
 * locally and nothing is left on the store.
 */
@JCStressTest
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "unlocked before the store forgot the lease")
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "the store forgot first; unlock reported the lost lease")
@Outcome(expect = FORBIDDEN, desc = "left held locally, left on the store, or another failure")
@State
public class LeaseLossRaceTest {

    final String name = Stress.freshName();
    final LockSync sync = Stress.JVM_A.sync(name);
    volatile boolean locked;

    @Actor
    public void holder(III_Result r) {
        sync.lock();
        try {
            sync.unlock();
            r.r1 = 0;
        } catch (LeaseLostException e) {
            r.r1 = 1;
        } catch (RuntimeException e) {
            r.r1 = 2;
        }
        r.r2 = sync.getHoldCount();
    }

    @Actor
    public void store() {
        Stress.BACKEND.forget(name);
    }

    @Arbiter
    public void after(III_Result r) {
        r.r3 = Stress.BACKEND.isLocked(name) ? 1 : 0;
    }
}
