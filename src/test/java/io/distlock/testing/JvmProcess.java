package io.distlock.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A separate JVM running a main class of the test classpath, with its standard output read line
 * by line and its standard input writable. Every wait is bounded.
 */
public final class JvmProcess implements AutoCloseable {

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> transcript = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final PrintStream stdin;

    private JvmProcess(Process process) {
        this.process = process;
        this.stdin = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("EOF " + e);
            }
        }, "jvm-" + process.pid() + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code mainClass} with {@code args} in a new JVM on this JVM's classpath. */
    public static JvmProcess start(Class<?> mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        try {
            return new JvmProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a JVM", e);
        }
    }

    /** Waits for the next line that starts with {@code prefix}, skipping others; fails on timeout. */
    public String awaitLine(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    throw new AssertionError("pid " + process.pid() + ": no line starting with '" + prefix
                            + "' within " + timeout + "; output so far: " + transcript);
                }
                transcript.add(line);
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * The next line the process printed, waiting at most {@code timeout}; {@code null} if none
     * came in time (or the process ended and everything was read).
     */
    public String nextLine(Duration timeout) {
        try {
            String line = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (line != null) {
                transcript.add(line);
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** What the process printed and was read so far (by awaitLine and nextLine). */
    public List<String> transcript() {
        return List.copyOf(transcript);
    }

    /** Writes a line to the process's standard input. */
    public void send(String line) {
        stdin.println(line);
    }

    /** The operating system's process id. */
    public long pid() {
        return process.pid();
    }

    /** SIGKILL, and wait for the process to go. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(10));
    }

    /** SIGSTOP: freezes every thread of the JVM. */
    public void freeze() {
        ProcessControl.signal(pid(), "STOP");
    }

    /** SIGCONT. */
    public void thaw() {
        ProcessControl.signal(pid(), "CONT");
    }

    /** Waits for the process to exit; returns its exit code, or -1 if it did not exit in time. */
    public int waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            ProcessControl.signalIfAlive(process.toHandle(), "CONT");
            kill();
        }
    }
}
