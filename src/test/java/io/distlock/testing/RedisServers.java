package io.distlock.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that provides real Redis servers to a test class:
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServers redis = RedisServers.start(1);
 * }</pre>
 * Where the servers come from, in order:
 * <ol>
 *   <li>{@value #ADDRESS_VARIABLE}: comma-separated {@code host:port} of running servers, all on
 *       loopback (tests that kill or pause a server are skipped);</li>
 *   <li>a {@code redis-server} binary ({@value #BINARY_VARIABLE}, else the one on PATH),
 *       started on free loopback ports for the class and stopped by process handle;</li>
 *   <li>Testcontainers, when Docker works (image {@value ContainerRedisServer#IMAGE});</li>
 *   <li>otherwise the class fails with a message that names all three.</li>
 * </ol>
 */
public final class RedisServers implements BeforeAllCallback, AfterAllCallback {

    /** Environment variable with addresses of running servers. */
    public static final String ADDRESS_VARIABLE = "DISTLOCK_TEST_REDIS";
    /** Environment variable with the path of a redis-server binary. */
    public static final String BINARY_VARIABLE = "DISTLOCK_REDIS_SERVER";

    private final int count;
    private final List<RedisServer> servers = new ArrayList<>();

    private RedisServers(int count) {
        this.count = count;
    }

    /** An extension that provides {@code count} servers. */
    public static RedisServers start(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive");
        }
        return new RedisServers(count);
    }

    /** The i-th server (0-based). */
    public RedisServer get(int i) {
        return servers.get(i);
    }

    /** The first server. */
    public RedisServer first() {
        return get(0);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        String addresses = System.getenv(ADDRESS_VARIABLE);
        if (addresses != null && !addresses.isBlank()) {
            String[] parts = addresses.split(",");
            Assumptions.assumeTrue(parts.length >= count,
                    ADDRESS_VARIABLE + " names " + parts.length + " server(s); this class needs " + count);
            for (int i = 0; i < count; i++) {
                String part = parts[i].trim();
                int colon = part.lastIndexOf(':');
                String host = part.substring(0, colon);
                ProcessControl.requireLoopback(host, ADDRESS_VARIABLE);
                servers.add(new RedisServer.External(host, Integer.parseInt(part.substring(colon + 1))));
            }
            return;
        }
        String binaryVar = System.getenv(BINARY_VARIABLE);
        Path binary = binaryVar != null && !binaryVar.isBlank() ? Path.of(binaryVar) : ProcessControl.onPath("redis-server");
        for (int i = 0; i < count; i++) {
            if (binary != null) {
                servers.add(new RedisServer.Local(binary));
            } else if (ContainerRedisServer.dockerAvailable()) {
                servers.add(new ContainerRedisServer());
            } else {
                throw new IllegalStateException("No Redis server for the tests. Either set "
                        + ADDRESS_VARIABLE + "=127.0.0.1:6379 (a running server on loopback), or install "
                        + "redis-server on PATH (Debian/Ubuntu: apt-get install redis-server; or set "
                        + BINARY_VARIABLE + " to its path), or make Docker available for Testcontainers.");
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (RedisServer s : servers) {
            s.close();
        }
        servers.clear();
    }
}
