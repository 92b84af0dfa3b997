package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.testing.RedisServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compiles and runs the README's quick start exactly as written, against a test server: only
 * the port 6379 is replaced by the test server's port.
 */
class ReadmeQuickStartTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    @Test
    void theQuickStartRunsAsWritten() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int marker = readme.indexOf("<!-- quickstart -->");
        assertThat(marker).as("README has a quick start").isPositive();
        int start = readme.indexOf("```java\n", marker) + "```java\n".length();
        int end = readme.indexOf("```", start);
        String snippet = readme.substring(start, end);
        assertThat(snippet.lines().count()).as("quick start length").isLessThanOrEqualTo(12);

        String source = "import java.util.concurrent.locks.Lock;\n"
                + "import io.distlock.redis.RedisLockFactory;\n"
                + "public class QuickStart {\n public static void main(String[] args) throws Exception {\n"
                + snippet.replace("6379", Integer.toString(redis.first().port()))
                + "\n }\n}\n";
        Path dir = Files.createTempDirectory("quickstart");
        Files.writeString(dir.resolve("QuickStart.java"), source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-cp", System.getProperty("java.class.path"),
                "-d", dir.toString(), dir.resolve("QuickStart.java").toString());
        assertThat(rc).as("compiles: " + diagnostics).isZero();

        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            Method main = loader.loadClass("QuickStart").getMethod("main", String[].class);
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(original);
        }
        assertThat(List.of(out.toString(StandardCharsets.UTF_8).split("\n")))
                .contains("exclusive across every JVM on this Redis");
    }
}
