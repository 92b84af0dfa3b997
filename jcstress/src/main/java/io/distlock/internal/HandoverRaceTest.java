package io.distlock.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two threads of one JVM lock and unlock one name while a third gives up waiting for it
 * ({@code tryLock()}), so the local hand-over of the lease races both a new arrival and a thread
 * leaving the queue. Nobody may overlap, and once all are done no lease may be left on the store
 * (a lease kept for a hand-over that nobody took would be orphaned).
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

    int critical() {
        sync.lock();
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
        r.r1 = critical();
    }

    @Actor
    public void second(III_Result r) {
        r.r2 = critical();
    }

    @Actor
    public void leaver() {
        if (sync.tryLock()) {
            sync.unlock();
        }
    }

    @Arbiter
    public void storeIsClean(III_Result r) {
        r.r3 = Stress.BACKEND.isLocked(name) ? 1 : 0;
    }
}
