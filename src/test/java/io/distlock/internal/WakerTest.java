package io.distlock.internal;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
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
}
