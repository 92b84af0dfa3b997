package io.distlock.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/** A Redis server in a Docker container, for machines without redis-server but with Docker. */
final class ContainerRedisServer extends RedisServer {

    static final String IMAGE = "redis:7.2-alpine";

    private final GenericContainer<?> container;

    ContainerRedisServer() {
        container = new GenericContainer<>(IMAGE).withExposedPorts(6379);
        container.start();
        ProcessControl.requireLoopback(container.getHost(), "the Docker host");
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public int port() {
        return container.getMappedPort(6379);
    }

    @Override
    public void close() {
        container.stop();
    }
}
