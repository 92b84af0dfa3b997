package io.distlock.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;

/**
 * A {@code redis-server} or {@code etcd} process serving TLS only, on a free loopback port, with
 * a certificate from {@link TestCertificates}. Stopped by its own process handle.
 */
public final class TlsServer implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path dir;

    private TlsServer(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** The TLS port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The {@code https://} client endpoint (etcd). */
    public String httpsEndpoint() {
        return "https://127.0.0.1:" + port;
    }

    /**
     * Starts a Redis that accepts TLS connections only (no plain-text port) and does not ask
     * clients for certificates.
     *
     * @param certs the certificates
     * @param ready true once a client can talk to the server on the given port
     * @return the running server
     */
    public static TlsServer redis(TestCertificates certs, java.util.function.IntPredicate ready) {
        return redis(certs, certs.serverCertificate(), certs.serverKey(), ready);
    }

    /**
     * Starts a Redis that accepts TLS connections only, presenting the given certificate.
     *
     * @param certs the certificates (the CA and the directory)
     * @param certificate the server's certificate (PEM)
     * @param key its private key (PEM)
     * @param ready true once the server answers on the given port
     * @return the running server
     */
    public static TlsServer redis(TestCertificates certs, Path certificate, Path key,
                                  java.util.function.IntPredicate ready) {
        return redis(certs, certificate, key, false, ready);
    }

    /**
     * Starts a Redis that accepts TLS connections only from clients that present a certificate
     * signed by the test CA (such as {@link TestCertificates#serverCertificate()}, which may also
     * serve as a client's).
     *
     * @param certs the certificates
     * @param ready true once a client can talk to the server on the given port
     * @return the running server
     */
    public static TlsServer redisAskingForClientCertificates(TestCertificates certs,
                                                             java.util.function.IntPredicate ready) {
        return redis(certs, certs.serverCertificate(), certs.serverKey(), true, ready);
    }

    private static TlsServer redis(TestCertificates certs, Path certificate, Path key, boolean authClients,
                                   java.util.function.IntPredicate ready) {
        Path binary = binary(RedisServers.BINARY_VARIABLE, "redis-server");
        int port = ProcessControl.freePort();
        Path dir = certs.directory();
        List<String> cmd = List.of(binary.toString(), "--port", "0", "--tls-port", Integer.toString(port),
                "--bind", "127.0.0.1", "--tls-cert-file", certificate.toString(),
                "--tls-key-file", key.toString(), "--tls-ca-cert-file", certs.caCertificate().toString(),
                "--tls-auth-clients", authClients ? "yes" : "no", "--save", "", "--appendonly", "no",
                "--dir", dir.toString(), "--protected-mode", "no", "--loglevel", "warning");
        return start(cmd, port, dir.resolve("redis-tls.log"), () -> ready.test(port));
    }

    /**
     * Starts a one-member etcd cluster whose client URL is {@code https://} only.
     *
     * @param certs the certificates
     * @param ready true once a client can talk to the server on the given port
     * @return the running server
     */
    public static TlsServer etcd(TestCertificates certs, java.util.function.IntPredicate ready) {
        return etcd(certs, certs.serverCertificate(), certs.serverKey(), ready);
    }

    /**
     * Starts a one-member etcd cluster whose client URL is {@code https://} only, ready once a
     * jetcd client that trusts the test CA reads a key from it.
     *
     * @param certs the certificates
     * @return the running server
     */
    public static TlsServer etcd(TestCertificates certs) {
        return etcd(certs, port -> {
            try (io.etcd.jetcd.Client c = io.etcd.jetcd.Client.builder().endpoints("https://127.0.0.1:" + port)
                    .sslContext(b -> b.trustManager(certs.caCertificate().toFile())).build()) {
                c.getKVClient().get(io.etcd.jetcd.ByteSequence.from("probe", java.nio.charset.StandardCharsets.UTF_8))
                        .get(2, java.util.concurrent.TimeUnit.SECONDS);
                return true;
            } catch (Exception notYet) {
                return false;
            }
        });
    }

    /**
     * Starts a one-member etcd cluster whose client URL is {@code https://} only, presenting the
     * given certificate.
     *
     * @param certs the certificates (the directory)
     * @param certificate the server's certificate (PEM)
     * @param key its private key (PEM)
     * @param ready true once the server answers on the given port
     * @return the running server
     */
    public static TlsServer etcd(TestCertificates certs, Path certificate, Path key,
                                 java.util.function.IntPredicate ready) {
        Path binary = binary(EtcdServers.BINARY_VARIABLE, "etcd");
        int port = ProcessControl.freePort();
        int peer = ProcessControl.freePort();
        Path data;
        try {
            data = Files.createTempDirectory(certs.directory(), "etcd-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<String> cmd = List.of(binary.toString(), "--name", "tls", "--data-dir", data.toString(),
                "--listen-client-urls", "https://127.0.0.1:" + port,
                "--advertise-client-urls", "https://127.0.0.1:" + port,
                "--listen-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-cluster", "tls=http://127.0.0.1:" + peer,
                "--cert-file", certificate.toString(), "--key-file", key.toString(),
                "--log-level", "warn");
        return start(cmd, port, certs.directory().resolve("etcd-tls.log"), () -> ready.test(port));
    }

    /**
     * A readiness check that only asks whether the port accepts TCP connections (for a server
     * whose certificate a checking client would refuse).
     *
     * @param port the port on 127.0.0.1
     * @return whether a connection was accepted
     */
    public static boolean accepts(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static Path binary(String variable, String name) {
        Path binary = Optional.ofNullable(System.getenv(variable)).map(Path::of).orElseGet(() -> ProcessControl.onPath(name));
        Assumptions.assumeTrue(binary != null, "TLS tests start their own " + name + ": install it on PATH or set "
                + variable);
        return binary;
    }

    private static TlsServer start(List<String> cmd, int port, Path log, BooleanSupplier ready) {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + cmd.get(0), e);
        }
        TlsServer server = new TlsServer(p, port, log.getParent());
        Process started = p;
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInSameThread().pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        if (!started.isAlive()) {
                            throw new IllegalStateException("exited");
                        }
                        return ready.getAsBoolean();
                    });
        } catch (RuntimeException e) {
            server.close();
            throw new IllegalStateException(cmd.get(0) + " with TLS on port " + port + " did not start; log in "
                    + log, e);
        }
        return server;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "TlsServer[127.0.0.1:" + port + ", files in " + dir + "]";
    }
}
