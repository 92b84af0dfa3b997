package io.distlock.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The smoothed round trip behind the courtesy and hand-over windows. */
class RoundTripEstimateTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void followsTheMeasurementsAndIsNotSwungByOneSlowCall() {
        RoundTripEstimate e = new RoundTripEstimate(MS);
        for (int i = 0; i < 100; i++) {
            e.record(20 * MS);
        }
        assertThat(e.nanos()).isBetween(19 * MS, 20 * MS);
        e.record(1_000 * MS);
        assertThat(e.nanos()).as("an eighth of the way to one slow call").isBetween(140 * MS, 145 * MS);
        e.record(-5);
        assertThat(e.nanos()).as("a negative measurement is ignored").isBetween(140 * MS, 145 * MS);
    }

    @Test
    void aWindowOfSeveralRoundTripsStaysWithinItsBounds() {
        RoundTripEstimate loopback = new RoundTripEstimate(MS / 10);
        assertThat(loopback.scaled(3, 10 * MS, 50 * MS)).as("a fast network: the least window").isEqualTo(10 * MS);
        RoundTripEstimate wan = new RoundTripEstimate(6 * MS);
        assertThat(wan.scaled(3, 10 * MS, 50 * MS)).as("three round trips").isEqualTo(18 * MS);
        RoundTripEstimate slow = new RoundTripEstimate(Long.MAX_VALUE / 2);
        assertThat(slow.scaled(3, 10 * MS, 50 * MS)).as("no overflow, the greatest window").isEqualTo(50 * MS);
        assertThatThrownBy(() -> new RoundTripEstimate(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("initialNanos");
    }
}
