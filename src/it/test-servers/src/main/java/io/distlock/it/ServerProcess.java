package io.distlock.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A server process of a test's own on the loopback interface: started on a free port, ready once
 * that port accepts connections, stopped (and its data directory, if any, deleted) by
 * {@link #close()}. The server's output is discarded.
 */
public final class ServerProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path dataDir;

    private ServerProcess(Process process, int port, Path dataDir) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
    }

    /** A redis-server on a free port, without persistence. */
    public static ServerProcess redis() throws IOException, InterruptedException {
        int port = freePort();
        return start("redis-server", "apt-get install redis-server", port, null, 20,
                List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no"));
    }

    /** A one-member etcd cluster on free client and peer ports, with a fresh data directory. */
    public static ServerProcess etcd() throws IOException, InterruptedException {
        int client = freePort();
        String endpoint = "http://127.0.0.1:" + client;
        String peerUrl = "http://127.0.0.1:" + freePort();
        Path dataDir = Files.createTempDirectory("etcd-it");
        return start("etcd", "apt-get install etcd-server", client, dataDir, 30,
                List.of("etcd", "--name", "it", "--data-dir", dataDir.toString(),
                        "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                        "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                        "--initial-cluster", "it=" + peerUrl));
    }

    private static ServerProcess start(String name, String install, int port, Path dataDir, int seconds,
                                       List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("this test needs " + name + " on PATH (" + install + ")", e);
        }
        ServerProcess server = new ServerProcess(process, port, dataDir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return server;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    server.close();
                    throw new IllegalStateException(name + " did not start on port " + port);
                }
                // the process gives no other sign that it listens: poll its port
                Thread.sleep(50);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The port clients connect to on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The client URL, {@code http://127.0.0.1:PORT} (for etcd). */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Stops the server and waits for it to end (at most 10 s); deletes its data directory. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
        if (dataDir != null) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
