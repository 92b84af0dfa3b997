package io.distlock.internal;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Two engines (two JVMs) over one store race {@code tryLock()} on one name: exclusion comes from
 * the store, not from a shared local lock. Two holders at once is forbidden.
 */
@JCStressTest
@Outcome(id = {"1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "one JVM won, the other found the lock held")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both won, one after the other")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "each tried while the other held it")
@Outcome(id = {"2, .*", ".*, 2"}, expect = FORBIDDEN, desc = "two holders inside at once")
@State
public class TwoJvmTryLockRaceTest {

    final String name = Stress.freshName();
    final LockSync a = Stress.JVM_A.sync(name);
    final LockSync b = Stress.JVM_B.sync(name);
    final AtomicInteger inside = new AtomicInteger();

    @Actor
    public void jvmA(II_Result r) {
        r.r1 = Stress.attempt(a, inside);
    }

    @Actor
    public void jvmB(II_Result r) {
        r.r2 = Stress.attempt(b, inside);
    }
}
