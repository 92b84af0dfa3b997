package io.distlock.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * One Redis server used by tests: a {@code redis-server} process this JVM started (which can be
 * killed, paused with SIGSTOP and restarted on the same port), or a server given by address or
 * run by Testcontainers (which cannot).
 */
public abstract class RedisServer implements AutoCloseable {

    /** Loopback host of the server. */
    public abstract String host();

    /** Port of the server. */
    public abstract int port();

    /** Kills the server with SIGKILL; its data is lost (no persistence). */
    public void kill() {
        unsupported("kill");
    }

    /** Freezes the server with SIGSTOP. */
    public void pause() {
        unsupported("pause");
    }

    /** Resumes a paused server with SIGCONT. */
    public void resume() {
        unsupported("resume");
    }

    /** Starts the server again on the same port after {@link #kill()}. */
    public void restart() {
        unsupported("restart");
    }

    /** Whether kill/pause/restart are available. */
    public boolean controllable() {
        return false;
    }

    @Override
    public abstract void close();

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + host() + ":" + port() + "]";
    }

    private void unsupported(String what) {
        Assumptions.abort(what + " needs a redis-server process started by the tests; " + this + " is not one");
    }

    /**
     * Starts a redis-server process on a free loopback port, without persistence.
     *
     * @param binary the redis-server executable
     * @return the running server; {@link #close()} stops it
     */
    public static RedisServer startLocal(java.nio.file.Path binary) {
        return new Local(binary);
    }

    /** Sends PING until the server answers PONG or the time runs out. */
    static boolean awaitPong(String host, int port, Duration timeout) {
        try {
            org.awaitility.Awaitility.await().atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(20)).until(() -> pong(host, port));
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false;
        }
    }

    /**
     * Whether the server answers a PING now: with PONG, or with NOAUTH when it asks for a
     * password first (a sentinel with {@code requirepass}).
     */
    private static boolean pong(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, 7);
            String answer = new String(buf, 0, Math.max(n, 0), StandardCharsets.US_ASCII);
            return n == 7 && (answer.equals("+PONG\r\n") || answer.equals("-NOAUTH"));
        } catch (IOException e) {
            return false;   // not up yet
        }
    }

    /** A redis-server child process on a free loopback port, without persistence. */
    static final class Local extends RedisServer {
        private final Path binary;
        private final List<String> leadingArgs;
        private final List<String> extraArgs;
        private final Path dir;
        private final int port;
        private Process process;

        Local(Path binary) {
            this(binary, List.of());
        }

        /** A server started with {@code extraArgs} after the defaults (a restart keeps its directory). */
        Local(Path binary, List<String> extraArgs) {
            this(binary, List.of(), extraArgs);
        }

        /**
         * A server started with {@code leadingArgs} right after the binary (a configuration file,
         * {@code --sentinel}) and {@code extraArgs} after the defaults.
         */
        Local(Path binary, List<String> leadingArgs, List<String> extraArgs) {
            this.binary = binary;
            this.leadingArgs = List.copyOf(leadingArgs);
            this.extraArgs = List.copyOf(extraArgs);
            try {
                this.dir = Files.createTempDirectory("distlock-redis-");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            IllegalStateException last = null;
            int chosen = -1;
            for (int attempt = 0; attempt < 5 && chosen < 0; attempt++) {
                int candidate = ProcessControl.freePort();
                try {
                    start(candidate);
                    chosen = candidate;
                } catch (IllegalStateException e) {
                    last = e;
                }
            }
            if (chosen < 0) {
                throw last;
            }
            this.port = chosen;
        }

        private void start(int p) {
            List<String> cmd = new java.util.ArrayList<>(List.of(binary.toString()));
            cmd.addAll(leadingArgs);
            cmd.addAll(List.of(
                    "--port", Integer.toString(p), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                    "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning"));
            cmd.addAll(extraArgs);
            try {
                process = new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                        .start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + binary, e);
            }
            if (!awaitPong("127.0.0.1", p, Duration.ofSeconds(10))) {
                process.destroyForcibly();
                throw new IllegalStateException("redis-server on port " + p + " did not answer; log in " + dir);
            }
        }

        @Override
        public String host() {
            return "127.0.0.1";
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public boolean controllable() {
            return true;
        }

        @Override
        public void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void pause() {
            ProcessControl.signal(process.pid(), "STOP");
        }

        @Override
        public void resume() {
            ProcessControl.signal(process.pid(), "CONT");
        }

        @Override
        public void restart() {
            if (process.isAlive()) {
                kill();
            }
            start(port);
        }

        /** Whether the process is running (it may be paused). */
        boolean alive() {
            return process != null && process.isAlive();
        }

        @Override
        public void close() {
            if (process != null && process.isAlive()) {
                ProcessControl.signalIfAlive(process.toHandle(), "CONT");
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** A server given by the DISTLOCK_TEST_REDIS environment variable. */
    static final class External extends RedisServer {
        private final String host;
        private final int port;

        External(String host, int port) {
            this.host = host;
            this.port = port;
        }

        @Override
        public String host() {
            return host;
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void close() {
        }
    }
}
