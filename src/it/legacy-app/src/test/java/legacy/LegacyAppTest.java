package legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distlock.it.ServerProcess;
import java.io.IOException;
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
 * The legacy application migrated as a team would migrate it: its sources copied into a project
 * of their own, {@code mvn rewrite:run} with the recipe, the rewritten sources compiled against the
 * library; the rewrite is checked in the sources and in the compiled classes, then the application
 * runs in two JVMs at once over one directory and one Redis server, and its results must be exact.
 */
class LegacyAppTest {

    /** The migrated project: its rewritten sources and their classes (made once, in {@link #migrate}). */
    private static Path project;
    private static Path classes;

    private static final int THREADS = 4;
    private static final int INCREMENTS = 250;
    private static final int ITEMS = 200;

    private static ServerProcess server;
    private static int port;

    @BeforeAll
    static void startRedis() throws Exception {
        server = ServerProcess.redis();
        port = server.port();
    }

    /**
     * Copies the legacy sources into a fresh project, runs the recipe over it with the
     * rewrite-maven-plugin, and compiles what it wrote.
     */
    @BeforeAll
    static void migrate(@TempDir Path dir) throws Exception {
        Path base = Path.of(System.getProperty("basedir", "."));
        project = dir.resolve("legacy-project");
        Path sources = project.resolve("src/main/java");
        try (var files = Files.walk(base.resolve("src/legacy/java"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path to = sources.resolve(base.resolve("src/legacy/java").relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        Files.copy(base.resolve("rewrite.yml"), project.resolve("rewrite.yml"));
        Files.writeString(project.resolve("pom.xml"), String.join("\n",
                "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">",
                "  <modelVersion>4.0.0</modelVersion>",
                "  <groupId>legacy</groupId><artifactId>legacy-project</artifactId><version>1</version>",
                "  <properties><maven.compiler.release>17</maven.compiler.release>",
                "    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>",
                "  <build><plugins><plugin>",
                "    <groupId>org.openrewrite.maven</groupId><artifactId>rewrite-maven-plugin</artifactId>",
                "    <version>" + System.getProperty("rewrite.plugin.version") + "</version>",
                "    <configuration><activeRecipes><recipe>legacy.MigrateLegacyLocks</recipe></activeRecipes>",
                "      <exportDatatables>true</exportDatatables></configuration>",
                "    <dependencies><dependency><groupId>io.distlock</groupId><artifactId>distlock-rewrite</artifactId>",
                "      <version>" + System.getProperty("distlock.version") + "</version></dependency></dependencies>",
                "  </plugin></plugins></build>",
                "</project>", ""));
        List<String> mvn = new ArrayList<>(List.of("mvn", "-B", "-q", "-f", project.resolve("pom.xml").toString()));
        String repo = System.getProperty("maven.repo.local");
        if (repo != null && !repo.isBlank()) {
            mvn.add("-Dmaven.repo.local=" + repo);
        }
        // runNoFork: the recipe needs nothing compiled (the types it matches are the JDK's)
        mvn.add("rewrite:runNoFork");
        Process run = new ProcessBuilder(mvn).directory(project.toFile()).redirectErrorStream(true).start();
        String output = new String(run.getInputStream().readAllBytes());
        assertTrue(run.waitFor(10, TimeUnit.MINUTES), "mvn rewrite:runNoFork did not end");
        assertEquals(0, run.exitValue(), "mvn rewrite:runNoFork failed:\n" + output);

        classes = dir.resolve("classes");
        Files.createDirectories(classes);
        List<String> javac = new ArrayList<>(List.of("-d", classes.toString(), "-cp",
                System.getProperty("java.class.path"), "-Xlint:none", "-proc:none"));
        try (var files = Files.walk(sources)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> javac.add(f.toString()));
        }
        java.io.ByteArrayOutputStream diagnostics = new java.io.ByteArrayOutputStream();
        int rc = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, diagnostics, diagnostics,
                javac.toArray(String[]::new));
        assertEquals(0, rc, "the rewritten sources compile against the library:\n" + diagnostics);
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theRecipeRewroteTheCopyAndTheCommittedSourcesStayLegacy() throws IOException {
        Path base = Path.of(System.getProperty("basedir", "."));
        String legacy = Files.readString(base.resolve("src/legacy/java/legacy/BoundedBuffer.java"));
        assertTrue(legacy.contains("private final ReentrantLock lock = new ReentrantLock();"), legacy);
        Path migrated = project.resolve("src/main/java");
        String buffer = Files.readString(migrated.resolve("legacy/BoundedBuffer.java"));
        assertTrue(buffer.contains("private final ReentrantLock lock = DistributedLocks.reentrantLock(\"legacy.BoundedBuffer.lock\");"), buffer);
        assertTrue(buffer.contains("private final Condition notFull = DistributedLocks.condition(lock, \"notFull\");"), buffer);
        assertTrue(buffer.contains("private final Condition notEmpty = DistributedLocks.condition(lock, \"notEmpty\");"), buffer);
        String counter = Files.readString(migrated.resolve("legacy/SharedCounter.java"));
        assertTrue(counter.contains("private final Lock lock = DistributedLocks.reentrantLock(\"legacy.SharedCounter.lock\");"), counter);
    }

    @Test
    void theRewrittenClassesKeepTheDeclaredTypes() throws Exception {
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {classes.toUri().toURL()},
                LegacyAppTest.class.getClassLoader())) {
            java.lang.reflect.Field f = loader.loadClass("legacy.BoundedBuffer").getDeclaredField("lock");
            assertEquals(ReentrantLock.class, f.getType(), "the declared type is kept");
            java.lang.reflect.Field c = loader.loadClass("legacy.SharedCounter").getDeclaredField("lock");
            assertEquals(java.util.concurrent.locks.Lock.class, c.getType(), "the declared type is kept");
        }
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
                "-cp", classes + java.io.File.pathSeparator + System.getProperty("java.class.path"), "legacy.LegacyApp",
                dir.toString(), id, Integer.toString(THREADS), Integer.toString(INCREMENTS), Integer.toString(ITEMS));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }
}
