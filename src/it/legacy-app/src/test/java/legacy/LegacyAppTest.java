package legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The legacy application as this build compiled it, after the recipe rewrote a copy of its
 * sources: the rewrite is checked in the sources and in the running classes, then the application
 * runs in two JVMs at once over one directory and one Redis server, and its results must be exact.
 */
class LegacyAppTest {

    private static final int THREADS = 4;
    private static final int INCREMENTS = 250;
    private static final int ITEMS = 200;

    private static Process server;
    private static int port;

    @BeforeAll
    static void startRedis() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try {
            server = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("this test needs redis-server on PATH (apt-get install redis-server)", e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !server.isAlive()) {
                    throw new IllegalStateException("redis-server did not start on port " + port);
                }
                Thread.sleep(50);
            }
        }
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        if (server != null) {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theCompiledSourcesAreTheRewrittenCopyAndTheCommittedOnesStayLegacy() throws IOException {
        Path base = Path.of(System.getProperty("basedir", "."));
        String legacy = Files.readString(base.resolve("src/legacy/java/legacy/BoundedBuffer.java"));
        assertTrue(legacy.contains("private final ReentrantLock lock = new ReentrantLock();"), legacy);
        String buffer = Files.readString(base.resolve("migrated-sources/legacy/BoundedBuffer.java"));
        assertTrue(buffer.contains("private final ReentrantLock lock = DistributedLocks.reentrantLock(\"legacy.BoundedBuffer.lock\");"), buffer);
        assertTrue(buffer.contains("private final Condition notFull = DistributedLocks.condition(lock, \"notFull\");"), buffer);
        assertTrue(buffer.contains("private final Condition notEmpty = DistributedLocks.condition(lock, \"notEmpty\");"), buffer);
        String counter = Files.readString(base.resolve("migrated-sources/legacy/SharedCounter.java"));
        assertTrue(counter.contains("private final Lock lock = DistributedLocks.reentrantLock(\"legacy.SharedCounter.lock\");"), counter);
    }

    @Test
    void theRewrittenClassesHoldDistributedLocks() throws Exception {
        java.lang.reflect.Field f = BoundedBuffer.class.getDeclaredField("lock");
        assertEquals(ReentrantLock.class, f.getType(), "the declared type is kept");
        java.lang.reflect.Field c = SharedCounter.class.getDeclaredField("lock");
        assertEquals(java.util.concurrent.locks.Lock.class, c.getType(), "the declared type is kept");
    }

    @Test
    void twoJvmsCountExactlyAndMoveEveryItemOnce(@TempDir Path dir) throws Exception {
        long started = System.nanoTime();
        List<Process> jvms = List.of(start(dir, "A"), start(dir, "B"));
        List<String> took = new ArrayList<>();
        try {
            collect(jvms, took);
        } finally {
            jvms.forEach(Process::destroyForcibly);
        }
        report(dir, took, started);
    }

    private static void collect(List<Process> jvms, List<String> took) throws Exception {
        for (Process p : jvms) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "a JVM did not finish in 120 s");
            List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
            assertEquals(0, p.exitValue(), String.join("\n", lines));
            assertTrue(lines.contains("DONE"), String.join("\n", lines));
            lines.stream().filter(l -> l.startsWith("TOOK ")).map(l -> l.substring(5)).forEach(took::add);
        }
    }

    private static void report(Path dir, List<String> took, long started) throws IOException {
        double seconds = (System.nanoTime() - started) / 1e9;
        long counter = Long.parseLong(Files.readString(dir.resolve("counter")).trim());
        Set<String> expected = new HashSet<>();
        for (String id : List.of("A", "B")) {
            for (int i = 0; i < ITEMS; i++) {
                expected.add(id + "-" + i);
            }
        }
        System.out.printf("legacy app, 2 JVMs: counter %d (expected %d), %d items taken (%d distinct, expected %d), "
                + "buffer left %s, %.1f s%n", counter, 2L * THREADS * INCREMENTS, took.size(), new HashSet<>(took).size(),
                expected.size(), Files.readAllLines(dir.resolve("buffer")), seconds);
        assertEquals(2L * THREADS * INCREMENTS, counter, "every increment of both JVMs counted");
        assertEquals(expected.size(), took.size(), "as many takes as puts");
        assertEquals(expected, new HashSet<>(took), "every item taken exactly once: none lost, none duplicated");
        assertTrue(Files.readAllLines(dir.resolve("buffer")).isEmpty(), "the buffer is empty at the end");
    }

    private static Process start(Path dir, String id) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Ddistlock.redis=127.0.0.1:" + port, "-Ddistlock.keyPrefix=legacy-it:",
                "-cp", System.getProperty("java.class.path"), LegacyApp.class.getName(),
                dir.toString(), id, Integer.toString(THREADS), Integer.toString(INCREMENTS), Integer.toString(ITEMS));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }
}
