package consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distlock.DistributedLock;
import io.distlock.etcd.EtcdLockFactory;
import io.distlock.redis.RedisLockFactory;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An application that declared the library and Jedis, as the README's Redis snippet says. */
class RedisOnlyApplicationTest {

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
