package io.distlock.torture;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Reads a torture run's records, the fencing register's log and the faults injected, and says
 * what went wrong: overlapping critical sections (those explained by a fault that costs a lease,
 * and the others), tokens that do not increase in hold order, stale writes the register accepted,
 * lost counter updates, readers that saw a write in progress, acquisitions that waited past their
 * deadline, and how long each fault kept the name from its next holder.
 *
 * <p>An overlap is explained when the earlier section's process was frozen (SIGSTOP) between its
 * entry and the later section's entry (its lease ran out meanwhile), or when the lock server was
 * restarted without its data between the two entries. Every other overlap is a violation, as is
 * any token not greater than the one before in hold order (among writers and exclusive holders),
 * any accepted write older than one accepted before, any update lost on a name without an
 * explained overlap, any torn read not explained in the same way (a reader frozen past its lease,
 * or overlapping a writer that was: readers write nothing, so fencing cannot protect them), and
 * any acquisition that waited more than its timeout plus {@link #DEADLINE_SLACK_MILLIS}.
 */
final class TortureChecker {

    /** How much later than its timeout an acquisition may give up before that is a violation. */
    static final long DEADLINE_SLACK_MILLIS = 2_000;

    /** One critical section, from its records. */
    static final class Section {
        final long pid;
        final String thread;
        final String name;
        final long token;
        final long enter;
        long exit = Long.MAX_VALUE;
        final char role;
        String outcome = "cut";
        Boolean accepted;
        /** A reader whose two reads disagreed. */
        boolean torn;

        Section(long pid, String thread, String name, long token, long enter, char role) {
            this.pid = pid;
            this.thread = thread;
            this.name = name;
            this.token = token;
            this.enter = enter;
            this.role = role;
        }

        boolean exclusive() {
            return role != 'r';
        }

        @Override
        public String toString() {
            return pid + "/" + thread + " " + name + " token " + token + " [" + enter + ", "
                    + (exit == Long.MAX_VALUE ? "cut" : Long.toString(exit)) + "] " + outcome;
        }
    }

    /** A fault, as the harness injected it: KILL pid, STOP pid, CONT pid, RESTART (data lost or kept), CUT. */
    record Fault(String kind, long pid, long at, boolean dataLost) {
    }

    /** What the checker found. */
    static final class Report {
        int sections;
        int cut;
        int failedAcquisitions;
        int overlapsExplained;
        final List<String> unexplainedOverlaps = new ArrayList<>();
        final List<String> tokensOutOfOrder = new ArrayList<>();
        final List<String> staleWritesAccepted = new ArrayList<>();
        int writesAccepted;
        int writesRejected;
        long lostUpdatesExplained;
        final List<String> lostUpdates = new ArrayList<>();
        int tornReads;
        int tornReadsExplained;
        final List<String> tornReaders = new ArrayList<>();
        final List<String> pastDeadline = new ArrayList<>();
        final Map<String, List<Long>> recoveryMillis = new TreeMap<>();

        boolean ok() {
            return unexplainedOverlaps.isEmpty() && tokensOutOfOrder.isEmpty() && staleWritesAccepted.isEmpty()
                    && lostUpdates.isEmpty() && tornReads == 0 && pastDeadline.isEmpty();
        }

        List<String> violations() {
            List<String> all = new ArrayList<>();
            unexplainedOverlaps.forEach(v -> all.add("unexplained overlap: " + v));
            tokensOutOfOrder.forEach(v -> all.add("token out of order: " + v));
            staleWritesAccepted.forEach(v -> all.add("stale write accepted: " + v));
            lostUpdates.forEach(v -> all.add("lost update: " + v));
            tornReaders.forEach(v -> all.add("torn read, unexplained: " + v));
            pastDeadline.forEach(v -> all.add("past its deadline: " + v));
            return all;
        }

        String summary() {
            StringBuilder b = new StringBuilder();
            b.append("sections ").append(sections).append(" (cut by a kill ").append(cut).append("), failed acquisitions ")
                    .append(failedAcquisitions).append(", writes accepted ").append(writesAccepted).append(", refused ")
                    .append(writesRejected).append("; overlaps explained by a fault ").append(overlapsExplained)
                    .append(", unexplained ").append(unexplainedOverlaps.size()).append("; tokens out of order ")
                    .append(tokensOutOfOrder.size()).append("; stale writes accepted ").append(staleWritesAccepted.size())
                    .append("; lost updates ").append(lostUpdates.size()).append(" (explained ").append(lostUpdatesExplained)
                    .append("); torn reads ").append(tornReads).append(" (explained ").append(tornReadsExplained)
                    .append("); past deadline ").append(pastDeadline.size());
            recoveryMillis.forEach((kind, list) -> {
                List<Long> sorted = new ArrayList<>(list);
                sorted.sort(null);
                b.append("; ").append(kind).append(" recovery ms min/median/max ").append(sorted.get(0)).append('/')
                        .append(sorted.get(sorted.size() / 2)).append('/').append(sorted.get(sorted.size() - 1))
                        .append(" (").append(sorted.size()).append(')');
            });
            return b.toString();
        }
    }

    private TortureChecker() {
    }

    /**
     * Checks a run.
     *
     * @param records every worker's record lines
     * @param registerLog the register's log, in the order its writes were applied
     * @param counters the final counter of each name
     * @param faults the faults injected
     * @return the report
     */
    static Report check(List<String> records, List<String> registerLog, Map<String, Long> counters, List<Fault> faults) {
        Report r = new Report();
        Map<String, Section> open = new HashMap<>();
        Map<String, Section> unlocking = new HashMap<>();
        List<Section> sections = new ArrayList<>();
        for (String line : records) {
            String[] f = line.split(" ");
            if (f.length < 5) {
                continue;   // a line cut by a kill
            }
            String key = f[1] + "/" + f[2];
            switch (f[0]) {
                case "E" -> {
                    if (f.length < 8) {
                        continue;
                    }
                    Section s = new Section(Long.parseLong(f[1]), f[2], f[3], Long.parseLong(f[4]), Long.parseLong(f[5]),
                            f[6].charAt(0));
                    open.put(key, s);
                    sections.add(s);
                    checkWait(r, line, Long.parseLong(f[7]));
                }
                case "W" -> {
                    Section s = open.get(key);
                    if (s != null && f.length >= 7) {
                        s.accepted = f[6].equals("1");
                    }
                }
                case "R" -> {
                    Section s = open.get(key);
                    if (s != null && f.length >= 7 && f[6].equals("0")) {
                        s.torn = true;
                    }
                }
                case "U" -> {
                    // the work is over: the section ends here, whatever the unlock then does
                    Section s = open.remove(key);
                    if (s != null && f.length >= 6) {
                        s.exit = Long.parseLong(f[5]);
                        s.outcome = "unlocking";
                        unlocking.put(key, s);
                    }
                }
                case "X" -> {
                    Section s = unlocking.remove(key);
                    if (s != null && f.length >= 7) {
                        s.outcome = f[6];
                    }
                }
                case "F" -> {
                    r.failedAcquisitions++;
                    if (f.length >= 6) {
                        checkWait(r, line, Long.parseLong(f[5]));
                    }
                }
                default -> { }
            }
        }
        // a section left open ends when its process was killed
        for (Section s : open.values()) {
            for (Fault fault : faults) {
                if (fault.kind().equals("KILL") && fault.pid() == s.pid && fault.at() > s.enter) {
                    s.exit = Math.min(s.exit, fault.at());
                }
            }
            r.cut++;
        }
        r.sections = sections.size();
        Map<String, List<Section>> byName = new TreeMap<>();
        for (Section s : sections) {
            byName.computeIfAbsent(s.name, n -> new ArrayList<>()).add(s);
        }
        Map<String, Boolean> explainedOverlapOn = new HashMap<>();
        for (Map.Entry<String, List<Section>> e : byName.entrySet()) {
            List<Section> list = e.getValue();
            list.sort(Comparator.comparingLong(s -> s.enter));
            for (int i = 0; i < list.size(); i++) {
                Section a = list.get(i);
                for (int j = i + 1; j < list.size() && list.get(j).enter < a.exit; j++) {
                    Section b = list.get(j);
                    if (!a.exclusive() && !b.exclusive()) {
                        continue;   // readers share
                    }
                    if (explained(a, b, faults)) {
                        r.overlapsExplained++;
                        explainedOverlapOn.put(e.getKey(), true);
                    } else {
                        r.unexplainedOverlaps.add(a + " and " + b);
                    }
                }
            }
            // in hold order, among the holders that kept their lease to the end (a holder told
            // that its lease was lost is a stale one: the register refuses what it writes late)
            Section previous = null;
            for (Section s : list) {
                if (!s.exclusive() || s.outcome.equals("lost")) {
                    continue;
                }
                if (previous != null && s.token <= previous.token) {
                    r.tokensOutOfOrder.add(previous + " then " + s);
                }
                previous = s;
            }
        }
        // the register's log, in the order applied: an accepted write must not be older than
        // one accepted before it
        Map<String, Long> lastAccepted = new HashMap<>();
        Map<String, Long> acceptedPerName = new HashMap<>();
        for (String line : registerLog) {
            String[] f = line.split(" ");
            String name = f[0];
            long token = Long.parseLong(f[1]);
            boolean accepted = f[f.length - 1].equals("1");
            if (!accepted) {
                r.writesRejected++;
                continue;
            }
            r.writesAccepted++;
            acceptedPerName.merge(name, 1L, Long::sum);
            Long last = lastAccepted.get(name);
            if (last != null && token < last) {
                r.staleWritesAccepted.add(line + " after " + last);
            }
            lastAccepted.merge(name, token, Math::max);
        }
        for (Map.Entry<String, Long> e : acceptedPerName.entrySet()) {
            long counter = counters.getOrDefault(e.getKey(), 0L);
            long lost = e.getValue() - counter;
            if (lost > 0) {
                if (explainedOverlapOn.containsKey(e.getKey())) {
                    r.lostUpdatesExplained += lost;
                } else {
                    r.lostUpdates.add(e.getKey() + ": " + e.getValue() + " writes accepted, counter " + counter);
                }
            }
        }
        // a reader that saw a write in progress: explained only by a fault that cost a lease (its
        // own freeze, a frozen writer, data lost by the server); fencing cannot help readers,
        // who write nothing
        for (List<Section> list : byName.values()) {
            for (Section reader : list) {
                if (!reader.torn) {
                    continue;
                }
                boolean explained = frozenDuring(reader, faults);
                for (Section w : list) {
                    if (!explained && w.exclusive() && w.enter < reader.exit && reader.enter < w.exit) {
                        explained = w.enter < reader.enter ? explained(w, reader, faults) : explained(reader, w, faults);
                    }
                }
                if (explained) {
                    r.tornReadsExplained++;
                } else {
                    r.tornReads++;
                    r.tornReaders.add(reader.toString());
                }
            }
        }
        recovery(r, byName, faults);
        return r;
    }

    private static void checkWait(Report r, String line, long waitedMillis) {
        if (waitedMillis > TimeUnit.SECONDS.toMillis(TortureWorker.WAIT_SECONDS) + DEADLINE_SLACK_MILLIS) {
            r.pastDeadline.add(line);
        }
    }

    /** How long before its entry record a frozen section may have got its lock (record written after the thaw). */
    private static final long RECORD_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /**
     * Whether a fault that costs a lease explains why {@code b} entered while {@code a} was
     * inside: either section's process was frozen during it (a process frozen right after it got
     * the lock writes its entry record after the thaw), or the lock server lost its data between
     * the two entries.
     */
    private static boolean explained(Section a, Section b, List<Fault> faults) {
        if (frozenDuring(a, faults) || frozenDuring(b, faults)) {
            return true;
        }
        for (Fault f : faults) {
            if (f.kind().equals("RESTART") && f.dataLost() && f.at() >= a.enter - RECORD_LAG_NANOS && f.at() <= b.enter) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code s}'s process was frozen at some time between it getting the lock and leaving. */
    private static boolean frozenDuring(Section s, List<Fault> faults) {
        for (Fault stop : faults) {
            if (!stop.kind().equals("STOP") || stop.pid() != s.pid || stop.at() > s.exit) {
                continue;
            }
            long thaw = Long.MAX_VALUE;
            for (Fault f : faults) {
                if (f.kind().equals("CONT") && f.pid() == s.pid && f.at() >= stop.at()) {
                    thaw = Math.min(thaw, f.at());
                }
            }
            if (thaw >= s.enter - RECORD_LAG_NANOS) {
                return true;
            }
        }
        return false;
    }

    /**
     * For each kill or freeze of a process inside a section: the time until another process
     * entered a section of that name; for each restart: the time until any section began.
     */
    private static void recovery(Report r, Map<String, List<Section>> byName, List<Fault> faults) {
        for (Fault f : faults) {
            if (f.kind().equals("RESTART")) {
                // a server or member restarted: the time until any section began after it
                // (the kill itself is injected at f.at(); the restart follows)
                byName.values().stream().flatMap(List::stream).mapToLong(s -> s.enter).filter(e -> e > f.at()).min()
                        .ifPresent(e -> r.recoveryMillis.computeIfAbsent("restart", k -> new ArrayList<>())
                                .add(TimeUnit.NANOSECONDS.toMillis(e - f.at())));
                continue;
            }
            if (!f.kind().equals("KILL") && !f.kind().equals("STOP")) {
                continue;
            }
            for (List<Section> list : byName.values()) {
                Section victim = null;
                for (Section s : list) {
                    if (s.pid == f.pid() && s.exclusive() && s.enter <= f.at() && s.exit >= f.at()) {
                        victim = s;
                    }
                }
                if (victim == null) {
                    continue;
                }
                for (Section s : list) {
                    if (s.pid != f.pid() && s.enter > f.at()) {
                        r.recoveryMillis.computeIfAbsent(f.kind().equals("KILL") ? "kill" : "freeze", k -> new ArrayList<>())
                                .add(TimeUnit.NANOSECONDS.toMillis(s.enter - f.at()));
                        break;
                    }
                }
            }
        }
    }

    /** The faults' lines, as the harness writes them, read back. */
    static List<Fault> parseFaults(List<String> lines) {
        List<Fault> faults = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(" ");
            faults.add(new Fault(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), f.length > 3 && f[3].equals("lost")));
        }
        return faults;
    }

    static Map<String, Long> counters(Map<String, String> raw) {
        Map<String, Long> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(k, v == null ? 0 : Long.parseLong(v)));
        return out;
    }
}
