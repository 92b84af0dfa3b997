package io.distlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The alarms of untimed waits. */
class WakerTest {

    @Test
    void aWaitWhoseAlarmIsDueAlreadyDoesNotPark() {
        // the alarm's unpark may have been taken by a park nested in a call the waiter made (a
        // network call that outlasted the re-check period): once the alarm's time has passed the
        // wait must not park, with nothing left to wake it
        long end = System.nanoTime() - 1;
        Waker.Alarm spent = () -> { };
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Waker.park(this, end, spent));
    }

    /**
     * Parks the current thread in Thread.State.WAITING until {@code nanos} from now, as the
     * engine's untimed waits do; returns how long it waited.
     */
    private long waitUntimed(long nanos) {
        long start = System.nanoTime();
        long end = start + nanos;
        Waker.Alarm alarm = Waker.wake(Thread.currentThread(), nanos);
        try {
            while (end - System.nanoTime() > 0) {
                Waker.park(this, end, alarm);
            }
        } finally {
            alarm.cancel();
        }
        return System.nanoTime() - start;
    }

    @Test
    void anAlarmWakesAThreadThatWaitsWithoutATimeout() throws Exception {
        long[] waited = new long[1];
        Thread t = new Thread(() -> waited[0] = waitUntimed(TimeUnit.MILLISECONDS.toNanos(100)));
        t.start();
        // it waits as a JDK lock's waiter does, not on a timer of its own
        long seen = System.nanoTime();
        while (t.getState() != Thread.State.WAITING && t.isAlive()
                && System.nanoTime() - seen < TimeUnit.SECONDS.toNanos(5)) {
            Thread.onSpinWait();
        }
        assertThat(t.getState()).isIn(Thread.State.WAITING, Thread.State.TERMINATED);
        t.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(t.isAlive()).as("woken by its alarm").isFalse();
        assertThat(waited[0]).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    }

    @Test
    void anEarlierAlarmSetWhileTheWakerSleepsTowardsALaterOneGoesOffOnTime() throws Exception {
        // the waker plans to wake for a far alarm; one set later but due sooner must wake it
        // (it is not woken for alarms due after its plan)
        Thread far = new Thread(() -> waitUntimed(TimeUnit.SECONDS.toNanos(60)));
        far.setDaemon(true);
        far.start();
        long seen = System.nanoTime();
        while (far.getState() != Thread.State.WAITING && System.nanoTime() - seen < TimeUnit.SECONDS.toNanos(5)) {
            Thread.onSpinWait();
        }
        try {
            long waited = waitUntimed(TimeUnit.MILLISECONDS.toNanos(50));
            assertThat(waited).as("woken near its own alarm, not the far one's")
                    .isLessThan(TimeUnit.SECONDS.toNanos(20));
        } finally {
            far.interrupt();
        }
    }

    @Test
    void manyAlarmsSetAndCancelledFromManyThreadsEachGoOffOnce() throws Exception {
        // bounded: 8 threads x 200 waits of 0-3 ms, cancelled ones in between; every wait ends
        int threads = 8;
        int waits = 200;
        CountDownLatch done = new CountDownLatch(threads);
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                try {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int w = 0; w < waits; w++) {
                        // an alarm set and cancelled at once, earlier than the one waited for
                        Waker.wake(Thread.currentThread(), random.nextLong(TimeUnit.MILLISECONDS.toNanos(2))).cancel();
                        long nanos = random.nextLong(TimeUnit.MILLISECONDS.toNanos(3));
                        long waited = waitUntimed(nanos);
                        if (waited < nanos) {
                            failures.add(new AssertionError("woke after " + waited + " of " + nanos + " ns"));
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    done.countDown();
                }
            });
            t.setDaemon(true);
            t.start();
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).as("every wait ended").isTrue();
        assertThat(failures).isEmpty();
    }
}
