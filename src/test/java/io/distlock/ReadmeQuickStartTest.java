package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.testing.EtcdServers;
import io.distlock.testing.RedisServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compiles and runs the README's quick starts exactly as written, against test servers: only
 * the address is replaced by the test server's.
 */
class ReadmeQuickStartTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    @Test
    void theDependencySnippetsAndTheConsumerBuildsNameTheVersionsThisBuildUses() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        String readme = Files.readString(Path.of("README.md"));
        String redisConsumer = Files.readString(Path.of("src/it/redis-consumer/pom.xml"));
        String etcdConsumer = Files.readString(Path.of("src/it/etcd-consumer/pom.xml"));
        String version = tag(pom.substring(pom.indexOf("<artifactId>distlock</artifactId>")), "version");
        assertThat(readme).contains("<artifactId>distlock</artifactId>\n  <version>" + version + "</version>");
        assertThat(Files.readString(Path.of("src/it/pom.xml"))).contains("<distlock.version>" + version);
        String jedis = tag(pom, "jedis.version");
        String jetcd = tag(pom, "jetcd.version");
        String netty = tag(pom, "netty.version");
        assertThat(readme).contains("<artifactId>jedis</artifactId>\n  <version>" + jedis + "</version>",
                "<artifactId>jetcd-core</artifactId>\n    <version>" + jetcd + "</version>",
                "<artifactId>netty-bom</artifactId>\n      <version>" + netty + "</version>");
        assertThat(redisConsumer).contains("<version>" + jedis + "</version>").doesNotContain("jetcd");
        assertThat(etcdConsumer).contains("<version>" + jetcd + "</version>", "<version>" + netty + "</version>")
                .doesNotContain("jedis");
        assertThat(pom).containsPattern("<artifactId>jedis</artifactId>\\s*<version>\\$\\{jedis.version}</version>"
                + "\\s*<!--[^>]*-->\\s*<optional>true</optional>");
        assertThat(pom).containsPattern("<artifactId>jetcd-core</artifactId>\\s*<version>\\$\\{jetcd.version}</version>"
                + "\\s*<optional>true</optional>");
    }

    private static String tag(String xml, String name) {
        int start = xml.indexOf("<" + name + ">") + name.length() + 2;
        assertThat(start).as(name).isGreaterThan(name.length() + 1);
        return xml.substring(start, xml.indexOf("</" + name + ">", start));
    }

    @Test
    void theRedisQuickStartRunsAsWritten() throws Exception {
        String out = runSnippet("<!-- quickstart -->", "io.distlock.redis.RedisLockFactory",
                "6379", Integer.toString(redis.first().port()));
        assertThat(out.lines()).contains("exclusive across every JVM on this Redis");
    }

    @Test
    void theEtcdQuickStartRunsAsWritten() throws Exception {
        String out = runSnippet("<!-- quickstart-etcd -->", "io.distlock.etcd.EtcdLockFactory",
                "http://127.0.0.1:2379", etcd.get().endpoints().get(0));
        assertThat(out.lines()).contains("exclusive across every JVM on this etcd cluster");
    }

    @Test
    void theFieldDeclaredReentrantLockChangesOnlyItsInitializer() throws Exception {
        String port = Integer.toString(redis.first().port());
        String out = runSnippet("<!-- quickstart-reentrant -->", "", "", snippet ->
                "import java.util.concurrent.locks.ReentrantLock;\n"
                + "import io.distlock.redis.RedisLockFactory;\n"
                + "public class QuickStart {\n"
                + " static final RedisLockFactory locks = RedisLockFactory.builder().hostAndPort(\"127.0.0.1\", "
                + port + ").build();\n"
                + snippet
                + " public static void main(String[] args) {\n"
                + "  QuickStart q = new QuickStart();\n"
                + "  q.lock.lock();\n"
                + "  try { System.out.println(\"held=\" + q.lock.isHeldByCurrentThread() + \" queue=\""
                + " + q.lock.getQueueLength() + \" locked=\" + q.lock.isLocked()); }\n"
                + "  finally { q.lock.unlock(); locks.close(); }\n"
                + " }\n}\n");
        assertThat(out.lines()).contains("held=true queue=0 locked=true");
    }

    @Test
    void theBoundedBufferExampleRunsWithAProducerAndAConsumer() throws Exception {
        String port = Integer.toString(redis.first().port());
        String out = runSnippet("<!-- conditions -->", "", "", snippet ->
                "import java.util.concurrent.locks.Condition;\n"
                + "import java.util.concurrent.locks.ReentrantLock;\n"
                + "import io.distlock.redis.RedisLockFactory;\n"
                + "public class QuickStart {\n"
                + " static final RedisLockFactory locks = RedisLockFactory.builder().hostAndPort(\"127.0.0.1\", "
                + port + ").keyPrefix(\"readme-buffer:\").build();\n"
                + snippet
                + " public static void main(String[] args) throws Exception {\n"
                + "  QuickStart b = new QuickStart();\n"
                + "  Thread producer = new Thread(() -> { try { for (int i = 0; i < 100; i++) b.put(\"i\" + i); }"
                + " catch (InterruptedException e) { throw new IllegalStateException(e); } });\n"
                + "  producer.start();\n"
                + "  StringBuilder got = new StringBuilder();\n"
                + "  for (int i = 0; i < 100; i++) got.append(b.take()).append(' ');\n"
                + "  producer.join();\n"
                + "  System.out.println(got.toString().trim().equals(java.util.stream.IntStream.range(0, 100)"
                + ".mapToObj(i -> \"i\" + i).collect(java.util.stream.Collectors.joining(\" \"))) ? \"in order\" : got);\n"
                + "  locks.close();\n"
                + " }\n}\n", 40);
        assertThat(out.lines()).contains("in order");
    }

    /** The Java block after {@code marker} in the README. */
    static String snippet(String marker, int maxLines) throws java.io.IOException {
        String readme = Files.readString(Path.of("README.md"));
        int at = readme.indexOf(marker);
        assertThat(at).as("README has " + marker).isPositive();
        int start = readme.indexOf("```java\n", at) + "```java\n".length();
        int end = readme.indexOf("```", start);
        String snippet = readme.substring(start, end);
        assertThat(snippet.lines().count()).as("snippet length").isLessThanOrEqualTo(maxLines);
        return snippet;
    }

    /** Compiles the Java block after {@code marker} with one address replaced, runs it, returns its output. */
    private static String runSnippet(String marker, String factoryClass, String address, String testAddress)
            throws Exception {
        return runSnippet(marker, address, testAddress, snippet -> "import java.util.concurrent.locks.Lock;\n"
                + "import " + factoryClass + ";\n"
                + "public class QuickStart {\n public static void main(String[] args) throws Exception {\n"
                + snippet
                + "\n }\n}\n");
    }

    /** Compiles the Java block after {@code marker}, wrapped into a class, runs it, returns its output. */
    private static String runSnippet(String marker, String address, String testAddress,
                                     java.util.function.UnaryOperator<String> wrap) throws Exception {
        return runSnippet(marker, address, testAddress, wrap, 12);
    }

    private static String runSnippet(String marker, String address, String testAddress,
                                     java.util.function.UnaryOperator<String> wrap, int maxLines) throws Exception {
        String snippet = snippet(marker, maxLines);
        assertThat(snippet).contains(address);

        String source = wrap.apply(address.isEmpty() ? snippet : snippet.replace(address, testAddress));
        Path dir = Files.createTempDirectory("quickstart");
        Files.writeString(dir.resolve("QuickStart.java"), source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-cp", System.getProperty("java.class.path"),
                "-d", dir.toString(), dir.resolve("QuickStart.java").toString());
        assertThat(rc).as("compiles: " + diagnostics).isZero();

        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                ReadmeQuickStartTest.class.getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            Method main = loader.loadClass("QuickStart").getMethod("main", String[].class);
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(original);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
