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
 * Two threads of one JVM take one name in turn while a renewal of the name's lease runs: the
 * first holder's unlock may hand the lease to the second locally (no store call), give it back
 * to the store, or race the renewal. However it goes, the two holders must present different
 * fencing tokens, the later one greater, and never be inside together.
 *
 * <p>Run: {@code cd jcstress && java -jar target/jcstress.jar -t HandoverFencingRaceTest}.
 */
@JCStressTest
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "the later holder's token is greater; one holder at a time")
@Outcome(id = "0, .*, .*", expect = FORBIDDEN, desc = "two holders presented one token, or the later a smaller one")
@Outcome(expect = FORBIDDEN, desc = "two holders inside at once, or a lease left on the store")
@State
public class HandoverFencingRaceTest {

    final String name = Stress.freshName();
    final LockSync sync = Stress.JVM_A.sync(name);
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger overlaps = new AtomicInteger();
    /** Tokens in the order the holds happened; guarded by the lock itself. */
    final long[] tokens = new long[2];
    int holds;

    void hold() {
        sync.lock();
        try {
            if (inside.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
            tokens[holds++] = sync.getFencingToken();
            inside.decrementAndGet();
        } finally {
            sync.unlock();
        }
    }

    @Actor
    public void first() {
        hold();
    }

    @Actor
    public void secondWithARenewal() {
        // the engine's sweeper, as if the lease were due: a renewal of whatever lease is current
        sync.slot().renewal().sweep(System.nanoTime() + 3_600_000_000_000L);
        hold();
    }

    @Arbiter
    public void check(III_Result r) {
        r.r1 = tokens[1] > tokens[0] ? 1 : 0;
        r.r2 = overlaps.get();
        r.r3 = Stress.BACKEND.isLocked(name) ? 1 : 0;
    }
}
