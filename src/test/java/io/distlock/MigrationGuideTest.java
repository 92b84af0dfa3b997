package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Compiles every Java block of docs/migration.md: each block follows a marker saying whether it
 * is a class's members or a method's statements, and compiles inside a class with the fields the
 * guide names ({@code locks}, {@code redisson}, {@code curator}, {@code connectionFactory}).
 */
class MigrationGuideTest {

    private static final Pattern BLOCK = Pattern.compile("<!-- java: (members|statements) -->\\n```java\\n(.*?)```",
            Pattern.DOTALL);

    private static final String IMPORTS = String.join("\n",
            "import java.time.Duration;",
            "import java.util.concurrent.TimeUnit;",
            "import java.util.concurrent.locks.Condition;",
            "import java.util.concurrent.locks.Lock;",
            "import java.util.concurrent.locks.ReadWriteLock;",
            "import java.util.concurrent.locks.ReentrantLock;",
            "import java.util.function.Supplier;",
            "import io.distlock.DistributedLock;",
            "import io.distlock.redis.RedisLockFactory;",
            "import io.distlock.spring.DistributedLockRegistry;",
            "import org.redisson.api.RFencedLock;",
            "import org.redisson.api.RLock;",
            "import org.redisson.api.RedissonClient;",
            "import org.apache.curator.framework.CuratorFramework;",
            "import org.apache.curator.framework.recipes.locks.InterProcessMutex;",
            "import org.springframework.data.redis.connection.RedisConnectionFactory;",
            "import org.springframework.integration.redis.util.RedisLockRegistry;",
            "import org.springframework.integration.support.locks.LockRegistry;",
            "import org.springframework.integration.support.locks.RenewableLockRegistry;", "");

    @Test
    void everyJavaBlockOfTheMigrationGuideCompiles() throws Exception {
        String guide = Files.readString(Path.of("docs/migration.md"));
        Matcher m = BLOCK.matcher(guide);
        Path dir = Files.createTempDirectory("migration");
        List<String> files = new ArrayList<>();
        int statements = 0;
        while (m.find()) {
            int n = files.size() + 1;
            String body = m.group(1).equals("members") ? m.group(2)
                    : "void run() throws Exception {\n" + m.group(2) + "}\n";
            statements += m.group(1).equals("statements") ? 1 : 0;
            String source = IMPORTS + "abstract class Block" + n + " {\n"
                    + "RedisLockFactory locks; RedissonClient redisson; CuratorFramework curator;"
                    + " RedisConnectionFactory connectionFactory;\n"
                    + body + "}\n";
            Path file = dir.resolve("Block" + n + ".java");
            Files.writeString(file, source);
            files.add(file.toString());
        }
        long fences = guide.lines().filter(l -> l.equals("```java")).count();
        assertThat(files).as("every ```java block has a marker").hasSize((int) fences);
        assertThat(files).hasSizeGreaterThanOrEqualTo(11);
        assertThat(statements).isPositive().isLessThan(files.size());

        List<String> args = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"),
                "-d", dir.toString(), "-Xlint:none", "-proc:none"));
        args.addAll(files);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
        assertThat(rc).as("the guide's examples compile:\n" + diagnostics.toString(StandardCharsets.UTF_8)).isZero();
    }
}
