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
     * engine's untimed waits do, or until it is interrupted; returns how long it waited.
     */
    private long waitUntimed(long nanos) {
        long start = System.nanoTime();
        long end = start + nanos;
        Waker.Alarm alarm = Waker.wake(Thread.currentThread(), nanos);
        try {
            while (end - System.nanoTime() > 0 && !Thread.interrupted()) {
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
        long farDue = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Thread far = new Thread(() -> waitUntimed(farDue - System.nanoTime()));
        far.setDaemon(true);
        far.start();
        try {
            // the waker has planned for the far alarm (or an earlier one) before the near one is set
            long seen = System.nanoTime();
            while (!Waker.plansToWakeBy(farDue + TimeUnit.SECONDS.toNanos(1))
                    && System.nanoTime() - seen < TimeUnit.SECONDS.toNanos(5)) {
                Thread.onSpinWait();
            }
            assertThat(Waker.plansToWakeBy(farDue + TimeUnit.SECONDS.toNanos(1))).as("the waker planned").isTrue();
            long waited = waitUntimed(TimeUnit.MILLISECONDS.toNanos(50));
            assertThat(waited).as("woken near its own alarm, not the far one's")
                    .isLessThan(TimeUnit.SECONDS.toNanos(20));
        } finally {
            far.interrupt();
            far.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertThat(far.isAlive()).isFalse();
    }

    @Test
    void manyAlarmsSetAndCancelledFromManyThreadsAllEndAndLeaveNothingBehind() throws Exception {
        // bounded: 8 threads x 200 waits of 0-3 ms, cancelled ones in between; every wait ends
        // (an alarm that never went off would leave its thread parked), and no alarm is left set
        int threads = 8;
        int waits = 200;
        CountDownLatch done = new CountDownLatch(threads);
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                try {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int w = 0; w < waits; w++) {
                        // an alarm set and cancelled at once, earlier than the one waited for
                        Waker.wake(Thread.currentThread(), random.nextLong(TimeUnit.MILLISECONDS.toNanos(2))).cancel();
                        long nanos = random.nextLong(TimeUnit.MILLISECONDS.toNanos(3));
                        waitUntimed(nanos);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    done.countDown();
                }
            });
            t.setDaemon(true);
            started.add(t);
            t.start();
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).as("every wait ended").isTrue();
        assertThat(failures).isEmpty();
        assertThat(Waker.pendingAlarms(started)).as("alarms of these threads left set").isZero();
    }

    @Test
    void anInterruptOfTheWakerThreadDoesNotKeepItBusy() throws Exception {
        waitUntimed(TimeUnit.MILLISECONDS.toNanos(1));   // the waker thread is started
        Thread waker = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("distlock-waker")).findFirst().orElseThrow();
        waker.interrupt();
        // it parks again (an interrupt status it kept would make every park return at once)
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> waker.getState() == Thread.State.WAITING || waker.getState() == Thread.State.TIMED_WAITING);
        assertThat(waker.isInterrupted()).isFalse();
        long waited = waitUntimed(TimeUnit.MILLISECONDS.toNanos(20));
        assertThat(waited).as("alarms still go off").isLessThan(TimeUnit.SECONDS.toNanos(10));
    }
}
