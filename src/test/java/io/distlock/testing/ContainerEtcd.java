package io.distlock.testing;

import java.util.List;
import org.testcontainers.containers.GenericContainer;

/** A single etcd node in a Docker container, for machines without etcd but with Docker. */
final class ContainerEtcd extends EtcdCluster {

    static final String IMAGE = "quay.io/coreos/etcd:v3.5.17";

    private final GenericContainer<?> container;

    ContainerEtcd() {
        container = new GenericContainer<>(IMAGE)
                .withExposedPorts(2379)
                .withCommand("etcd", "--listen-client-urls", "http://0.0.0.0:2379",
                        "--advertise-client-urls", "http://127.0.0.1:2379");
        container.start();
        ProcessControl.requireLoopback(container.getHost(), "the Docker host");
    }

    @Override
    public List<String> endpoints() {
        return List.of("http://" + container.getHost() + ":" + container.getMappedPort(2379));
    }

    @Override
    public void close() {
        container.stop();
    }
}
