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
 * Two threads of one JVM race {@code tryLock()} on one name; each that wins records how many
 * holders it saw inside (itself included), then unlocks. Two holders at once is forbidden.
 * Each thread looks the name up in the engine's registry itself, so the test also races the
 * registry's creation of the name's state: both must get the same state, or exclusion is lost.
 * Run: {@code java -jar target/jcstress.jar -t TryLockRaceTest}.
 */
@JCStressTest
@Outcome(id = {"1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "one thread won, the other found the lock held")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both won, one after the other")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "nobody won a lock that was free at the start")
@Outcome(id = {"2, .*", ".*, 2"}, expect = FORBIDDEN, desc = "two holders inside at once")
@State
public class TryLockRaceTest {

    final String name = Stress.freshName();
    final AtomicInteger inside = new AtomicInteger();

    int attempt() {
        return Stress.attempt(Stress.JVM_A.sync(name), inside);
    }

    @Actor
    public void actor1(II_Result r) {
        r.r1 = attempt();
    }

    @Actor
    public void actor2(II_Result r) {
        r.r2 = attempt();
    }
}
