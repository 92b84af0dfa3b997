package io.distlock.testing;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that provides a real etcd cluster to a test class:
 * <pre>{@code
 * @RegisterExtension
 * static final EtcdServers etcd = EtcdServers.cluster(3);
 * }</pre>
 * Where the cluster comes from, in order: {@value #ENDPOINTS_VARIABLE} (comma-separated client
 * URLs on loopback; member faults are then skipped); an {@code etcd} binary
 * ({@value #BINARY_VARIABLE}, else the one on PATH) started on free loopback ports; a
 * Testcontainers single node when Docker works; otherwise the class fails with a message that
 * names all three.
 */
public final class EtcdServers implements BeforeAllCallback, AfterAllCallback {

    /** Environment variable with client URLs of a running cluster. */
    public static final String ENDPOINTS_VARIABLE = "DISTLOCK_TEST_ETCD";
    /** Environment variable with the path of an etcd binary. */
    public static final String BINARY_VARIABLE = "DISTLOCK_ETCD_SERVER";

    private final int members;
    private EtcdCluster cluster;

    private EtcdServers(int members) {
        this.members = members;
    }

    /** One etcd node. */
    public static EtcdServers single() {
        return new EtcdServers(1);
    }

    /** A cluster of {@code members} etcd processes. */
    public static EtcdServers cluster(int members) {
        if (members < 1) {
            throw new IllegalArgumentException("members must be positive");
        }
        return new EtcdServers(members);
    }

    /** The cluster. */
    public EtcdCluster get() {
        return cluster;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        String endpoints = System.getenv(ENDPOINTS_VARIABLE);
        if (endpoints != null && !endpoints.isBlank()) {
            List<String> list = new ArrayList<>();
            for (String e : endpoints.split(",")) {
                ProcessControl.requireLoopback(URI.create(e.trim()).getHost(), ENDPOINTS_VARIABLE);
                list.add(e.trim());
            }
            Assumptions.assumeTrue(members == 1 || list.size() >= members,
                    ENDPOINTS_VARIABLE + " names " + list.size() + " member(s); this class needs " + members);
            cluster = new EtcdCluster.External(list);
            return;
        }
        String binaryVar = System.getenv(BINARY_VARIABLE);
        Path binary = binaryVar != null && !binaryVar.isBlank() ? Path.of(binaryVar) : ProcessControl.onPath("etcd");
        if (binary != null) {
            cluster = new EtcdCluster.Local(binary, members);
        } else if (members == 1 && ContainerRedisServer.dockerAvailable()) {
            cluster = new ContainerEtcd();
        } else {
            throw new IllegalStateException("No etcd for the tests. Either set " + ENDPOINTS_VARIABLE
                    + "=http://127.0.0.1:2379 (a running cluster on loopback), or install etcd on PATH "
                    + "(Debian/Ubuntu: apt-get install etcd-server; or set " + BINARY_VARIABLE
                    + " to its path), or make Docker available for Testcontainers (single node only).");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}
