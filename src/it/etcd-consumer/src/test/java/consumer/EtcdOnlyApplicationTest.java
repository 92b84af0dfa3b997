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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.Lock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An application that declared the library, jetcd-core and Netty's BOM, as the README's etcd snippet says. */
class EtcdOnlyApplicationTest {

    private static ServerProcess server;
    private static String endpoint;

    @BeforeAll
    static void startEtcd() throws Exception {
        server = ServerProcess.etcd();
        endpoint = server.endpoint();
    }

    @AfterAll
    static void stopEtcd() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theRuntimeClassPathHasOneNettyLineAndNoRedisJar() throws IOException {
        String text = Files.readString(Path.of(System.getProperty("runtime.class.path.file"))).trim();
        Set<String> nettyVersions = new TreeSet<>();
        Pattern netty = Pattern.compile("netty-[a-z0-9-]+?-(\\d+\\.\\d+)\\.\\d+\\.Final");
        int jars = 0;
        for (String entry : text.split(File.pathSeparator)) {
            jars++;
            String name = Path.of(entry).getFileName().toString();
            assertFalse(name.startsWith("jedis-") || name.startsWith("commons-pool2-"), "unexpected jar " + name);
            Matcher m = netty.matcher(name);
            if (m.lookingAt() && !name.startsWith("netty-tcnative")) {
                nettyVersions.add(m.group(1));
            }
        }
        System.out.printf("etcd-only application: %d jars, Netty lines %s%n", jars, nettyVersions);
        assertEquals(Set.of("4.2"), nettyVersions);
    }

    @Test
    void theQuickStartRuns() {
        EtcdLockFactory locks = EtcdLockFactory.builder().endpoints(endpoint).build();
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
    void theRedisFactoryNamesItsMissingDependency() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("redis.clients.jedis.UnifiedJedis"));
        IllegalStateException e = assertThrows(IllegalStateException.class, RedisLockFactory::builder);
        assertTrue(e.getMessage().startsWith("RedisLockFactory needs redis.clients:jedis on the class path"),
                e.getMessage());
        assertTrue(e.getMessage().contains("declare redis.clients:jedis:8.0.2"), e.getMessage());
    }
}
