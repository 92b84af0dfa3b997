package io.distlock.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * An etcd cluster for tests: one or more {@code etcd} processes on free loopback ports (client
 * and peer), data in memory-backed temporary directories, each member killable, pausable with
 * SIGSTOP and restartable with its data. Or a cluster given by endpoints, or a Testcontainers
 * single node, neither of which can be killed or paused.
 */
public abstract class EtcdCluster implements AutoCloseable {

    /** Client endpoints, e.g. {@code http://127.0.0.1:23790}. */
    public abstract List<String> endpoints();

    /** Number of members. */
    public int size() {
        return endpoints().size();
    }

    /** Kills member {@code i} with SIGKILL. */
    public void kill(int i) {
        unsupported("kill");
    }

    /** Freezes member {@code i} with SIGSTOP. */
    public void pause(int i) {
        unsupported("pause");
    }

    /** Resumes member {@code i} with SIGCONT. */
    public void resume(int i) {
        unsupported("resume");
    }

    /** Starts killed member {@code i} again with its data. */
    public void restart(int i) {
        unsupported("restart");
    }

    @Override
    public abstract void close();

    @Override
    public String toString() {
        return getClass().getSimpleName() + endpoints();
    }

    private void unsupported(String what) {
        Assumptions.abort(what + " needs etcd processes started by the tests; " + this + " is not");
    }

    /**
     * Starts {@code members} etcd processes on free loopback ports as one cluster.
     *
     * @param binary the etcd executable
     * @param members how many members
     * @return the running cluster; {@link #close()} stops it
     */
    public static EtcdCluster startLocal(java.nio.file.Path binary, int members) {
        return new Local(binary, members);
    }

    static boolean healthy(String endpoint) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(endpoint + "/health").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(1000);
            try (InputStream in = c.getInputStream()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return body.contains("\"health\":\"true\"");
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until every listed endpoint reports health; false on timeout. */
    static boolean awaitHealthy(List<String> endpoints, Duration timeout) {
        try {
            org.awaitility.Awaitility.await().atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(50)).until(() -> endpoints.stream().allMatch(EtcdCluster::healthy));
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false;
        }
    }

    /** etcd processes started by this JVM. */
    static final class Local extends EtcdCluster {
        private final Path binary;
        private final Process[] processes;
        private Path root;
        private int[] clientPorts;
        private int[] peerPorts;
        private String initialCluster;

        /**
         * Starts the members; when they do not form a healthy cluster (a port taken by another
         * process between its check and etcd's bind, which makes a member exit at once, is the
         * usual reason with several test JVMs side by side), starts them again on other ports,
         * up to three times, and otherwise throws with the end of each member's log.
         */
        Local(Path binary, int members) {
            this.binary = binary;
            this.processes = new Process[members];
            StringBuilder failures = new StringBuilder();
            for (int attempt = 1; attempt <= 3; attempt++) {
                choosePorts(members);
                try {
                    for (int i = 0; i < members; i++) {
                        start(i);
                    }
                    if (awaitHealthyOrExited()) {
                        return;
                    }
                } catch (RuntimeException e) {
                    // the members started so far, and their directory, go with the failure
                    close();
                    throw e;
                }
                failures.append("\nattempt ").append(attempt).append(" on ").append(endpoints()).append(':');
                for (int i = 0; i < members; i++) {
                    failures.append("\n  m").append(i).append(processes[i].isAlive() ? " (running)" : " (exited)")
                            .append(": ").append(logTail(root.resolve("m" + i + ".log")));
                }
                close();
            }
            throw new IllegalStateException("etcd cluster of " + members + " did not become healthy" + failures);
        }

        /** Waits up to 30 s for every member to report health; false at once when one exits. */
        private boolean awaitHealthyOrExited() {
            List<String> all = endpoints();
            try {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInSameThread()
                        .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
                        .until(() -> java.util.Arrays.stream(processes).anyMatch(p -> !p.isAlive())
                                || all.stream().allMatch(EtcdCluster::healthy));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                return false;
            }
            return java.util.Arrays.stream(processes).allMatch(Process::isAlive);
        }

        private void choosePorts(int members) {
            try {
                Path shm = Path.of("/dev/shm");
                root = Files.isDirectory(shm) && Files.isWritable(shm)
                        ? Files.createTempDirectory(shm, "distlock-etcd-")
                        : Files.createTempDirectory("distlock-etcd-");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            java.util.Set<Integer> taken = new java.util.HashSet<>();
            clientPorts = new int[members];
            peerPorts = new int[members];
            StringJoiner cluster = new StringJoiner(",");
            for (int i = 0; i < members; i++) {
                clientPorts[i] = distinctFreePort(taken);
                peerPorts[i] = distinctFreePort(taken);
                cluster.add("m" + i + "=http://127.0.0.1:" + peerPorts[i]);
            }
            initialCluster = cluster.toString();
        }

        private static int distinctFreePort(java.util.Set<Integer> taken) {
            for (int i = 0; i < 100; i++) {
                int port = ProcessControl.freePort();
                if (taken.add(port)) {
                    return port;
                }
            }
            throw new IllegalStateException("no distinct free loopback port after 100 tries; taken " + taken);
        }

        /** Where etcd last complained (its log's last lines), for a failure message. */
        private static String logTail(Path log) {
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                return String.join("\n    ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        private void start(int i) {
            List<String> cmd = List.of(binary.toString(),
                    "--name", "m" + i,
                    "--data-dir", root.resolve("m" + i).toString(),
                    "--listen-client-urls", "http://127.0.0.1:" + clientPorts[i],
                    "--advertise-client-urls", "http://127.0.0.1:" + clientPorts[i],
                    "--listen-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                    "--initial-cluster", initialCluster,
                    "--initial-cluster-token", root.getFileName().toString(),
                    "--initial-cluster-state", "new",
                    "--heartbeat-interval", "100",
                    "--election-timeout", "1000");
            try {
                processes[i] = new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("m" + i + ".log").toFile()))
                        .start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + binary, e);
            }
        }

        @Override
        public List<String> endpoints() {
            List<String> list = new ArrayList<>();
            for (int p : clientPorts) {
                list.add("http://127.0.0.1:" + p);
            }
            return list;
        }

        @Override
        public void kill(int i) {
            processes[i].destroyForcibly();
            try {
                processes[i].waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void pause(int i) {
            ProcessControl.signal(processes[i].pid(), "STOP");
        }

        @Override
        public void resume(int i) {
            ProcessControl.signal(processes[i].pid(), "CONT");
        }

        @Override
        public void restart(int i) {
            if (processes[i].isAlive()) {
                kill(i);
            }
            start(i);
            if (!awaitHealthy(List.of(endpoints().get(i)), Duration.ofSeconds(30))) {
                throw new IllegalStateException("etcd member " + i + " did not come back; log in " + root);
            }
        }

        @Override
        public void close() {
            for (Process p : processes) {
                if (p != null && p.isAlive()) {
                    ProcessControl.signalIfAlive(p.toHandle(), "CONT");
                    p.destroyForcibly();
                }
            }
            for (Process p : processes) {
                if (p != null) {
                    try {
                        p.waitFor(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            deleteTree(root);
        }

        private static void deleteTree(Path dir) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).collect(Collectors.toList())) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // temporary files; the OS cleans up
            }
        }
    }

    /** A cluster given by endpoints. */
    static final class External extends EtcdCluster {
        private final List<String> endpoints;

        External(List<String> endpoints) {
            this.endpoints = endpoints;
        }

        @Override
        public List<String> endpoints() {
            return endpoints;
        }

        @Override
        public void close() {
        }
    }
}
