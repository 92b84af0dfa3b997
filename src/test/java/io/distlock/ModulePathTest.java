package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.testing.RedisServers;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The library as a named module: an application module that requires {@code io.distlock} and
 * Jedis compiles the README's quick start and runs it on the module path, in its own JVM, with no
 * etcd jar anywhere; the engine package is not visible to it, and building the etcd factory
 * names the missing dependency.
 */
class ModulePathTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    /** Modules the application resolves: the library, Jedis, and the library's own requirements. */
    private static final List<String> MODULE_JARS = List.of("jedis-", "caffeine-", "slf4j-api-");
    /** Jedis's own dependencies, on the class path (Jedis is an automatic module, which reads it). */
    private static final List<String> CLASS_PATH_JARS = List.of("commons-pool2-", "json-", "gson-",
            "redis-authx-core-", "slf4j-simple-");

    private static String modulePath;
    private static String classPath;

    @BeforeAll
    static void paths() throws Exception {
        Path library = Path.of(DistributedLock.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(library.resolve("module-info.class")).exists();
        List<String> modules = new ArrayList<>(List.of(library.toString()));
        modules.addAll(jars(MODULE_JARS));
        modulePath = String.join(File.pathSeparator, modules);
        classPath = String.join(File.pathSeparator, jars(CLASS_PATH_JARS));
        assertThat(modulePath + classPath).doesNotContain("jetcd", "grpc", "netty", "vertx");
    }

    @Test
    void theQuickStartRunsOnTheModulePathWithoutAnyEtcdJar() throws Exception {
        String port = Integer.toString(redis.first().port());
        String snippet = ReadmeQuickStartTest.snippet("<!-- quickstart -->", 12).replace("6379", port);
        Path src = Files.createTempDirectory("module-src");
        Files.writeString(src.resolve("module-info.java"),
                "module quickstart { requires io.distlock; requires redis.clients.jedis; }\n");
        Files.createDirectories(src.resolve("quickstart"));
        Files.writeString(src.resolve("quickstart/QuickStart.java"), "package quickstart;\n"
                + "import java.util.concurrent.locks.Lock;\n"
                + "import io.distlock.redis.RedisLockFactory;\n"
                + "public class QuickStart {\n public static void main(String[] args) throws Exception {\n"
                + snippet
                + "  Module m = RedisLockFactory.class.getModule();\n"
                + "  System.out.println(\"module=\" + m.getName() + \" internal exported=\""
                + " + m.isExported(\"io.distlock.internal\") + \" etcd module=\""
                + " + ModuleLayer.boot().findModule(\"jetcd.core\").isPresent());\n"
                + "  try { io.distlock.etcd.EtcdLockFactory.builder(); System.out.println(\"etcd built\"); }\n"
                + "  catch (IllegalStateException e) { System.out.println(\"etcd: \" + e.getMessage()); }\n"
                + " }\n}\n");
        Path out = compile(src, "module-info.java", "quickstart/QuickStart.java");

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--module-path", out + File.pathSeparator + modulePath,
                "-cp", classPath, "-m", "quickstart/quickstart.QuickStart")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the quick start ends").isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output.lines()).contains("exclusive across every JVM on this Redis",
                "module=io.distlock internal exported=false etcd module=false");
        assertThat(output).contains("etcd: EtcdLockFactory needs io.etcd:jetcd-core on the class path",
                "declare io.etcd:jetcd-core:0.8.7");
    }

    @Test
    void theEnginePackageIsNotVisibleToAnApplicationModule() throws Exception {
        Path src = Files.createTempDirectory("module-src");
        Files.writeString(src.resolve("module-info.java"), "module rogue { requires io.distlock; }\n");
        Files.createDirectories(src.resolve("rogue"));
        Files.writeString(src.resolve("rogue/Rogue.java"),
                "package rogue;\npublic class Rogue { io.distlock.internal.LockEngine engine; }\n");
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac(diagnostics, Files.createTempDirectory("module-out"), src, "module-info.java",
                "rogue/Rogue.java");
        assertThat(rc).isNotZero();
        assertThat(diagnostics.toString(StandardCharsets.UTF_8))
                .contains("package io.distlock.internal is not visible");
    }

    private static Path compile(Path src, String... files) throws Exception {
        Path out = Files.createTempDirectory("module-out");
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        assertThat(javac(diagnostics, out, src, files)).as("compiles: " + diagnostics).isZero();
        return out;
    }

    private static int javac(ByteArrayOutputStream diagnostics, Path out, Path src, String... files) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("--module-path", modulePath, "-d", out.toString()));
        for (String f : files) {
            args.add(src.resolve(f).toString());
        }
        return javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
    }

    private static List<String> jars(List<String> prefixes) {
        List<String> entries = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .collect(Collectors.toList());
        List<String> found = new ArrayList<>();
        for (String prefix : prefixes) {
            List<String> match = entries.stream()
                    .filter(e -> Path.of(e).getFileName().toString().startsWith(prefix) && e.endsWith(".jar"))
                    .toList();
            assertThat(match).as("one " + prefix + "*.jar on the test class path").hasSize(1);
            found.add(match.get(0));
        }
        return found;
    }
}
