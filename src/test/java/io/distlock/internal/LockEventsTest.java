package io.distlock.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.LockObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Which observers get which events, and when the locks read a clock for them. */
class LockEventsTest {

    /** Records the events it gets. */
    private static final class Recorder implements LockObserver {
        final List<String> events = new CopyOnWriteArrayList<>();
        private final boolean timing;

        Recorder(boolean timing) {
            this.timing = timing;
        }

        @Override
        public boolean timesAcquisitions() {
            return timing;
        }

        @Override
        public void acquired(String lockName, long nanos, boolean contended, boolean localHandOver) {
            events.add("acquired " + lockName);
        }

        @Override
        public void released(String lockName, long heldNanos) {
            events.add("released " + lockName);
        }

        @Override
        public void renewed(String lockName, boolean succeeded) {
            events.add("renewed " + lockName);
        }

        @Override
        public void leaseLost(String lockName) {
            events.add("lost " + lockName);
        }
    }

    @Test
    void anObserverThatDoesNotTimeAcquisitionsCostsTheLocksNoClockAndGetsOnlyRenewalsAndLosses() {
        LockEvents events = new LockEvents("test");
        Recorder health = new Recorder(false);
        events.add(health);
        assertThat(events.start()).as("no clock read for an acquisition").isEqualTo(LockEvents.OFF);
        events.renewed("n", true);
        events.leaseLost("n");
        assertThat(health.events).containsExactly("renewed n", "lost n");

        Recorder metrics = new Recorder(true);
        events.add(metrics);
        long start = events.start();
        assertThat(start).isNotEqualTo(LockEvents.OFF);
        long since = events.acquired("n", start, false, false);
        events.released("n", since);
        events.renewed("n", true);
        assertThat(metrics.events).containsExactly("acquired n", "released n", "renewed n");
        assertThat(health.events).containsExactly("renewed n", "lost n", "renewed n");

        assertThat(events.remove(metrics)).isTrue();
        assertThat(events.start()).isEqualTo(LockEvents.OFF);
        assertThat(events.remove(metrics)).isFalse();
        assertThat(events.remove(health)).isTrue();
    }
}
