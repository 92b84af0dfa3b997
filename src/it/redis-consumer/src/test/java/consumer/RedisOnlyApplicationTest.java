package consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distlock.DistributedLock;
import io.distlock.etcd.EtcdLockFactory;
import io.distlock.it.ServerProcess;
import io.distlock.redis.RedisLockFactory;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An application that declared the library and Jedis, as the README's Redis snippet says. */
class RedisOnlyApplicationTest {

    private static ServerProcess server;
    private static int port;

    @BeforeAll
    static void startRedis() throws Exception {
        server = ServerProcess.redis();
        port = server.port();
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theRuntimeClassPathHoldsTheRedisPartOnly() throws IOException {
        List<Path> jars = RuntimeClassPath.jars();
        long bytes = RuntimeClassPath.bytes(jars);
        System.out.printf("redis-only application: %d jars, %.1f MB on the runtime class path%n",
                jars.size(), bytes / 1e6);
        for (Path jar : jars) {
            String name = jar.getFileName().toString();
            assertFalse(name.matches("(grpc|netty|vertx|jetcd|guava|protobuf).*"), "unexpected jar " + name);
        }
        assertTrue(jars.size() <= 12, "at most 12 jars, were " + jars);
        assertTrue(bytes < 5_000_000, "under 5 MB, was " + bytes);
    }

    @Test
    void theQuickStartRuns() {
        RedisLockFactory locks = RedisLockFactory.builder().hostAndPort("127.0.0.1", port).build();
        try {
            Lock lock = locks.getLock("inventory");
            lock.lock();
            try {
                assertTrue(((DistributedLock) lock).isHeldByCurrentThread());
                assertTrue(((DistributedLock) lock).getFencingToken() > 0);
            } finally {
                lock.unlock();
            }
        } finally {
            locks.close();
        }
    }

    @Test
    void theEtcdFactoryNamesItsMissingDependency() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.etcd.jetcd.Client"));
        IllegalStateException e = assertThrows(IllegalStateException.class, EtcdLockFactory::builder);
        assertTrue(e.getMessage().startsWith("EtcdLockFactory needs io.etcd:jetcd-core on the class path"),
                e.getMessage());
        assertTrue(e.getMessage().contains("declare io.etcd:jetcd-core:0.8.7"), e.getMessage());
    }

    /** The jars of the application's runtime class path, as Maven resolved it for this build. */
    static final class RuntimeClassPath {
        static List<Path> jars() throws IOException {
            String file = System.getProperty("runtime.class.path.file");
            String text = Files.readString(Path.of(file)).trim();
            assertFalse(text.isEmpty(), "the runtime class path is empty");
            List<Path> jars = java.util.Arrays.stream(text.split(File.pathSeparator)).map(Path::of).toList();
            assertEquals(jars.size(), jars.stream().distinct().count());
            return jars;
        }

        static long bytes(List<Path> jars) throws IOException {
            long sum = 0;
            for (Path jar : jars) {
                sum += Files.size(jar);
            }
            return sum;
        }
    }
}
