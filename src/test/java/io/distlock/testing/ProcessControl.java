package io.distlock.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Small helpers for the server processes tests start: free ports, signals, PATH lookup. */
public final class ProcessControl {

    private ProcessControl() {
    }

    /** Surefire's fork that runs this JVM (1-based), and how many run side by side (pom.xml). */
    private static final int FORK = Integer.getInteger("distlock.forkNumber", 1);
    private static final int FORKS = Integer.getInteger("distlock.forkCount", 1);

    /**
     * Returns a loopback port that was free a moment ago. When test JVMs run side by side, each
     * takes its ports from blocks of 256 of its own (by the block's number modulo the number of
     * forks), so that two JVMs never pick the same port between its check and a server's bind.
     */
    public static int freePort() {
        for (int attempt = 0; ; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException("no free loopback port", e);
            }
            if (FORKS <= 1 || (port / 256) % FORKS == (FORK - 1) % FORKS || attempt >= 1_000) {
                return port;
            }
        }
    }

    /** Sends a POSIX signal (for example "STOP", "CONT", "KILL") to a process. */
    public static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kill", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + pid, e);
        }
    }

    /**
     * Sends a signal to a process that may be exiting on its own: a failure is ignored when the
     * process is gone by then.
     */
    public static void signalIfAlive(ProcessHandle process, String signal) {
        if (!process.isAlive()) {
            return;
        }
        try {
            signal(process.pid(), signal);
        } catch (IllegalStateException e) {
            if (process.isAlive()) {
                throw e;
            }
        }
    }

    /** Finds an executable on PATH, or returns null. */
    public static Path onPath(String binary) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, binary);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Checks that an address given to the tests is a loopback address. */
    public static void requireLoopback(String host, String variable) {
        try {
            if (!InetAddress.getByName(host).isLoopbackAddress()) {
                throw new IllegalStateException(variable + " must name a loopback address (127.0.0.0/8 or ::1), was " + host);
            }
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(variable + ": unknown host " + host, e);
        }
    }
}
