package io.distlock.testing;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.pollinterval.IterativePollInterval;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * How every test's Awaitility waits poll, registered for all test classes (junit-platform.properties
 * turns on the extension's auto-detection; META-INF/services names it). Awaitility's own
 * defaults first look 100 ms after the wait starts and then every 100 ms, so a condition that
 * already holds, or holds a few milliseconds later, still costs 100 ms or more; the tests wait
 * on such states hundreds of times per class. Here the first look is at once and the interval
 * grows from 5 ms, doubling up to Awaitility's 100 ms, which long waits keep.
 */
public final class AwaitilityDefaults implements BeforeAllCallback {

    private static final Duration LONGEST = Duration.ofMillis(100);

    static {
        apply();
    }

    /** Sets the defaults (idempotent). */
    public static void apply() {
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(new IterativePollInterval(
                d -> d.multipliedBy(2).compareTo(LONGEST) > 0 ? LONGEST : d.multipliedBy(2), Duration.ofMillis(5)));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        apply();
    }
}
