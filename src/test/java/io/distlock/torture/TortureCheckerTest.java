package io.distlock.torture;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker finds what it is there to find, on records written by hand. */
class TortureCheckerTest {

    private static final List<TortureChecker.Fault> NO_FAULTS = List.of();

    @Test
    void cleanRecordsPass() {
        List<String> records = List.of(
                "E 1 t0 n0 10 100 x 0", "W 1 t0 n0 10 110 1", "U 1 t0 n0 10 120", "X 1 t0 n0 10 120 ok",
                "E 2 t0 n0 11 130 x 0", "W 2 t0 n0 11 140 1", "U 2 t0 n0 11 150", "X 2 t0 n0 11 150 ok");
        TortureChecker.Report r = TortureChecker.check(records, List.of("n0 10 1 t0 110 1", "n0 11 2 t0 140 1"),
                Map.of("n0", 2L), NO_FAULTS);
        assertThat(r.violations()).isEmpty();
        assertThat(r.sections).isEqualTo(2);
    }

    @Test
    void anOverlapAndARepeatedTokenAndALostUpdateAreFound() {
        List<String> records = List.of(
                "E 1 t0 n0 10 100 x 0", "W 1 t0 n0 10 110 1", "U 1 t0 n0 10 200", "X 1 t0 n0 10 200 ok",
                "E 2 t0 n0 10 150 x 0", "W 2 t0 n0 10 160 1", "U 2 t0 n0 10 250", "X 2 t0 n0 10 250 ok");
        TortureChecker.Report r = TortureChecker.check(records, List.of("n0 10 1 t0 110 1", "n0 10 2 t0 160 1"),
                Map.of("n0", 1L), NO_FAULTS);
        assertThat(r.unexplainedOverlaps).hasSize(1);
        assertThat(r.tokensOutOfOrder).hasSize(1);
        assertThat(r.lostUpdates).hasSize(1);
        assertThat(r.ok()).isFalse();
    }

    @Test
    void anOverlapWithAFrozenHolderIsExplainedButATornReadWithoutAFaultIsNot() {
        List<String> records = List.of(
                "E 1 t0 n0 10 100 x 0", "U 1 t0 n0 10 500", "X 1 t0 n0 10 500 lost",
                "E 2 t0 n0 11 300 x 0", "U 2 t0 n0 11 350", "X 2 t0 n0 11 350 ok",
                "E 3 t0 n1 12 100 r 0", "R 3 t0 n1 12 110 0", "U 3 t0 n1 12 120", "X 3 t0 n1 12 120 ok");
        TortureChecker.Report r = TortureChecker.check(records, List.of(), Map.of(), List.of(
                new TortureChecker.Fault("STOP", 1, 150, false), new TortureChecker.Fault("CONT", 1, 450, false)));
        assertThat(r.unexplainedOverlaps).isEmpty();
        assertThat(r.overlapsExplained).isEqualTo(1);
        assertThat(r.tornReads).isEqualTo(1);
        assertThat(r.ok()).isFalse();
    }

    @Test
    void aStaleWriteAcceptedAndAWaitPastTheDeadlineAreFound() {
        List<String> records = List.of("F 1 t0 n0 100 30000 timeout");
        TortureChecker.Report r = TortureChecker.check(records, List.of("n0 11 1 t0 1 1", "n0 10 2 t0 2 1"),
                Map.of("n0", 2L), NO_FAULTS);
        assertThat(r.staleWritesAccepted).hasSize(1);
        assertThat(r.pastDeadline).hasSize(1);
    }
}
