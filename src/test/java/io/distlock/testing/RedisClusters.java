package io.distlock.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that gives a test class a Redis Cluster of 3 masters and 3 replicas:
 * <pre>{@code
 * @RegisterExtension
 * static final RedisClusters cluster = RedisClusters.shared();
 * }</pre>
 * One cluster serves every class of the test run that asks for the shared one (it is started by
 * the first and stopped when the run ends), so a class must leave it serving every slot: a class
 * that kills or pauses nodes restarts or resumes them. {@link #own} gives a class a cluster of its
 * own instead, for tests that fail nodes over. Where the nodes come from, in order:
 * <ol>
 *   <li>{@value RedisCluster#ADDRESS_VARIABLE}: comma-separated {@code host:port} of a running
 *       cluster, on loopback (tests that kill or pause nodes are skipped);</li>
 *   <li>{@code redis-server} and {@code redis-cli} binaries on PATH (or
 *       {@value RedisServers#BINARY_VARIABLE} for the server), started on free loopback ports;</li>
 *   <li>otherwise the class fails with a message that names both. (There is no container
 *       fallback: the nodes of a containerised cluster announce addresses a test on the host
 *       cannot reach.)</li>
 * </ol>
 */
public final class RedisClusters implements BeforeAllCallback, ExtensionContext.Store.CloseableResource, AutoCloseable {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RedisClusters.class);

    private final boolean shared;
    private final int masters;
    private final int replicas;
    private final Duration nodeTimeout;
    private RedisCluster cluster;

    private RedisClusters(boolean shared, int masters, int replicas, Duration nodeTimeout) {
        this.shared = shared;
        this.masters = masters;
        this.replicas = replicas;
        this.nodeTimeout = nodeTimeout;
    }

    /**
     * The run's shared cluster: 3 masters, 1 replica each, and a node timeout of 30 s, longer
     * than any pause the tests make, so pausing every node never fails one over.
     */
    public static RedisClusters shared() {
        return new RedisClusters(true, 3, 1, Duration.ofSeconds(30));
    }

    /** A cluster for one class, stopped after it. */
    public static RedisClusters own(int masters, int replicas, Duration nodeTimeout) {
        return new RedisClusters(false, masters, replicas, nodeTimeout);
    }

    /** The cluster. */
    public RedisCluster cluster() {
        return cluster;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        String addresses = System.getenv(RedisCluster.ADDRESS_VARIABLE);
        if (addresses != null && !addresses.isBlank()) {
            List<String> seeds = List.of(addresses.split(","));
            for (String s : seeds) {
                ProcessControl.requireLoopback(s.substring(0, s.lastIndexOf(':')).trim(), RedisCluster.ADDRESS_VARIABLE);
            }
            cluster = new RedisCluster.External(seeds.stream().map(String::trim).toList());
            return;
        }
        if (shared) {
            cluster = context.getRoot().getStore(NAMESPACE)
                    .getOrComputeIfAbsent("shared", k -> new Holder(start()), Holder.class).cluster;
        } else {
            cluster = start();
            context.getStore(NAMESPACE).put("own", this);
        }
    }

    private RedisCluster start() {
        String binaryVar = System.getenv(RedisServers.BINARY_VARIABLE);
        Path server = binaryVar != null && !binaryVar.isBlank() ? Path.of(binaryVar) : ProcessControl.onPath("redis-server");
        Path cli = ProcessControl.onPath("redis-cli");
        if (server == null || cli == null) {
            throw new IllegalStateException("No Redis Cluster for the tests. Either set "
                    + RedisCluster.ADDRESS_VARIABLE + "=127.0.0.1:7000,127.0.0.1:7001,... (a running cluster on "
                    + "loopback), or install redis-server and redis-cli on PATH (Debian/Ubuntu: apt-get install "
                    + "redis-server redis-tools).");
        }
        return RedisCluster.startLocal(server, cli, masters, replicas, nodeTimeout);
    }

    /** Stops a class's own cluster when its store closes. */
    @Override
    public void close() {
        if (!shared && cluster != null) {
            cluster.close();
        }
    }

    /** The shared cluster, stopped when the root store closes at the end of the run. */
    private static final class Holder implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final RedisCluster cluster;

        Holder(RedisCluster cluster) {
            this.cluster = cluster;
        }

        @Override
        public void close() {
            cluster.close();
        }
    }
}
