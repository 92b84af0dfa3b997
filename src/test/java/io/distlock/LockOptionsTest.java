package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LockOptionsTest {

    @Test
    void defaultsAreSafe() {
        LockOptions d = LockOptions.defaults();
        assertThat(d.leaseTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.watchdog()).isTrue();
        assertThat(d.renewInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.retryCount()).isEqualTo(8);
        assertThat(d.retryDelay()).isEqualTo(Duration.ofMillis(50));
        assertThat(d.retryBackoff()).isEqualTo(2.0);
        assertThat(d.maxRetryDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(d.retryJitter()).isEqualTo(0.2);
        assertThat(d.maxLocalHandoffs()).isEqualTo(8);
        assertThat(d.retryPause(0, 0)).isEqualTo(Duration.ofMillis(50));
        assertThat(d.retryPause(5, 0)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void defaultRetriesRideOutAFewSecondsOfOutage() {
        // the pauses of all retries together, at their shortest (the most jitter) and longest
        LockOptions d = LockOptions.defaults();
        long shortest = 0;
        long longest = 0;
        for (int retry = 0; retry < d.retryCount(); retry++) {
            shortest += d.retryPause(retry, 0.999999).toMillis();
            longest += d.retryPause(retry, 0).toMillis();
        }
        assertThat(shortest).as("a 3 s restart is ridden out even with the most jitter").isGreaterThanOrEqualTo(3_000);
        assertThat(longest).as("but a dead server is reported within seconds").isLessThanOrEqualTo(5_000);
    }

    @Test
    void handOversAndRenewalIntervalsHaveDocumentedBounds() {
        assertThat(LockOptions.builder().maxLocalHandoffs(LockOptions.MAX_LOCAL_HANDOFFS).build().maxLocalHandoffs())
                .isEqualTo(1023);
        assertThatThrownBy(() -> LockOptions.builder().maxLocalHandoffs(1024))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxLocalHandoffs must be between 0 and 1023, was 1024");
        assertThat(LockOptions.MIN_RENEW_INTERVAL).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void exponentialBackoffGrowsUpToItsCapAndJitterOnlyShortens() {
        LockOptions o = LockOptions.builder().retryDelay(Duration.ofMillis(100)).retryBackoff(2)
                .maxRetryDelay(Duration.ofMillis(700)).build();
        assertThat(o.retryPause(0, 0)).isEqualTo(Duration.ofMillis(100));
        assertThat(o.retryPause(1, 0)).isEqualTo(Duration.ofMillis(200));
        assertThat(o.retryPause(2, 0)).isEqualTo(Duration.ofMillis(400));
        assertThat(o.retryPause(3, 0)).isEqualTo(Duration.ofMillis(700));
        assertThat(o.retryPause(60, 0)).isEqualTo(Duration.ofMillis(700));
        LockOptions j = o.toBuilder().retryJitter(0.5).build();
        assertThat(j.retryPause(1, 0.0)).isEqualTo(Duration.ofMillis(200));
        assertThat(j.retryPause(1, 0.999)).isBetween(Duration.ofMillis(100), Duration.ofMillis(101));
    }

    @Test
    void invalidValuesAreRejectedWithTheirName() {
        assertThatThrownBy(() -> LockOptions.builder().retryBackoff(0.5)).hasMessageContaining("retryBackoff");
        assertThatThrownBy(() -> LockOptions.builder().retryBackoff(Double.NaN)).hasMessageContaining("retryBackoff");
        assertThatThrownBy(() -> LockOptions.builder().retryJitter(1.5)).hasMessageContaining("retryJitter");
        assertThatThrownBy(() -> LockOptions.builder().maxRetryDelay(Duration.ofDays(1))).hasMessageContaining("maxRetryDelay");
        assertThatThrownBy(() -> LockOptions.builder().leaseTime(Duration.ofMillis(10))).hasMessageContaining("leaseTime");
        assertThatThrownBy(() -> LockOptions.defaults().retryPause(-1, 0)).hasMessageContaining("retry");
    }

    @Test
    void equalOptionsAreEqualAndToBuilderKeepsEverything() {
        LockOptions a = LockOptions.builder().leaseTime(Duration.ofSeconds(5)).watchdog(false).retryCount(7)
                .retryDelay(Duration.ofMillis(20)).retryBackoff(1.5).maxRetryDelay(Duration.ofSeconds(1))
                .retryJitter(0.2).maxLocalHandoffs(2).build();
        assertThat(a.toBuilder().build()).isEqualTo(a).hasSameHashCodeAs(a);
        assertThat(a).isNotEqualTo(LockOptions.defaults());
        assertThat(a.toString()).contains("leaseTime=PT5S", "watchdog=false", "retryBackoff=1.5", "retryJitter=0.2");
    }
}
