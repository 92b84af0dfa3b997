package io.distlock.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two threads of one JVM take one name; the second first tries for a very short time, so that it
 * often gives up while queued behind the first (whose unlock may be keeping the lease for a
 * local hand-over), and then takes the lock for good. Nobody may overlap, and once both are done
 * no lease may be left on the store (a lease kept for a hand-over that nobody took would be
 * orphaned).
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "exclusive each time, nothing left on the store")
@Outcome(id = ".*, .*, 1", expect = FORBIDDEN, desc = "a lease was left on the store with nobody holding the lock")
@Outcome(expect = FORBIDDEN, desc = "two holders inside at once")
@State
public class HandoverRaceTest {

    final String name = Stress.freshName();
    final LockSync sync = Stress.JVM_A.sync(name);
    final AtomicInteger inside = new AtomicInteger();

    int inside() {
        try {
            int seen = inside.incrementAndGet();
            inside.decrementAndGet();
            return seen;
        } finally {
            sync.unlock();
        }
    }

    @Actor
    public void first(III_Result r) {
        sync.lock();
        r.r1 = inside();
    }

    @Actor
    public void second(III_Result r) {
        try {
            if (!sync.tryLock(20, TimeUnit.MICROSECONDS)) {
                sync.lock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sync.lock();
        }
        r.r2 = inside();
    }

    @Arbiter
    public void storeIsClean(III_Result r) {
        r.r3 = Stress.BACKEND.isLocked(name) ? 1 : 0;
    }
}
