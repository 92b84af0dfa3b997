package io.distlock.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP relay on loopback between a client and one server, which can hold one request back: the
 * network delaying one connection's packets while the others go through. Armed with
 * {@link #holdNextRequest(String)}, the next bytes a client sends on any connection that contain
 * a given text, and everything after them on that connection, are kept instead of forwarded, so
 * the client sees no answer
 * (its read times out, and it drops the connection); {@link #deliverHeld()} then sends them to
 * the server, as a late packet would arrive, even though the client has gone. What the server
 * answers to them is read and thrown away.
 *
 * <p>Only loopback: it listens on 127.0.0.1 and forwards to the given loopback address. Every
 * socket and thread it opens is closed by {@link #close()}.
 */
public final class HoldingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** What the next request to hold contains, while armed. */
    private final AtomicReference<String> armed = new AtomicReference<>();
    /** The connection whose client bytes are held, once one has been caught. */
    private final AtomicReference<Link> held = new AtomicReference<>();
    private volatile boolean closed;

    private HoldingProxy(InetSocketAddress target) throws IOException {
        if (!target.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the proxy only relays to loopback, not " + target);
        }
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "holding-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /** Starts a relay to {@code host:port} (a loopback address). */
    public static HoldingProxy to(String host, int port) throws IOException {
        return new HoldingProxy(new InetSocketAddress(host, port));
    }

    /** The relay's own address. */
    public String host() {
        return listener.getInetAddress().getHostAddress();
    }

    /** The relay's own port. */
    public int port() {
        return listener.getLocalPort();
    }

    /**
     * Holds the next request any client sends that contains {@code text} (in one read, as a
     * client writes a command at once), and the rest of its connection's bytes.
     */
    public void holdNextRequest(String text) {
        if (held.get() != null) {
            throw new IllegalStateException("a request is held already");
        }
        armed.set(text);
    }

    /** Whether a request has been caught and is being held. */
    public boolean holding() {
        Link l = held.get();
        return l != null && l.kept.size() > 0;
    }

    /**
     * Sends what was held to the server, as a late packet, and then ends that connection's
     * client side towards the server (if the client has gone) once the server has answered or
     * after a second.
     *
     * @return the number of bytes delivered
     */
    public int deliverHeld() throws IOException {
        Link l = held.get();
        if (l == null) {
            throw new IllegalStateException("nothing is held");
        }
        return l.deliver();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(target, 5_000);
                sockets.add(client);
                sockets.add(server);
                Link link = new Link(client, server);
                start("holding-proxy-up", link::pumpUp);
                start("holding-proxy-down", () -> pump(server, client));
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("holding proxy: " + e);
                }
            }
        }
    }

    private static void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    /** Copies until end of stream or an error, then closes the output side. */
    private static void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // the other side went away
        } finally {
            closeQuietly(to);
        }
    }

    /** One relayed connection: client to server, possibly held. */
    private final class Link {
        private final Socket client;
        private final Socket server;
        final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private boolean holding;
        private boolean clientGone;
        private boolean delivered;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void pumpUp() {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = client.getInputStream()) {
                OutputStream out = server.getOutputStream();
                for (int n; (n = in.read(buf)) >= 0; ) {
                    synchronized (this) {
                        String wanted = armed.get();
                        if (!holding && !delivered && wanted != null
                                && new String(buf, 0, n, StandardCharsets.ISO_8859_1).contains(wanted)
                                && armed.compareAndSet(wanted, null)) {
                            holding = true;
                            held.set(this);
                        }
                        if (holding) {
                            kept.write(buf, 0, n);
                            continue;
                        }
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the client went away
            }
            synchronized (this) {
                clientGone = true;
                if (holding) {
                    // the server side stays open until the held bytes are delivered
                    return;
                }
            }
            closeQuietly(server);
        }

        synchronized int deliver() throws IOException {
            if (!holding) {
                throw new IllegalStateException("delivered already");
            }
            holding = false;
            delivered = true;
            byte[] bytes = kept.toByteArray();
            OutputStream out = server.getOutputStream();
            out.write(bytes);
            out.flush();
            if (clientGone) {
                // let the server answer (the answer is dropped: the client is gone), then end
                start("holding-proxy-end", () -> {
                    try {
                        Thread.sleep(1_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    closeQuietly(server);
                });
            }
            return bytes.length;
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        sockets.forEach(HoldingProxy::closeQuietly);
    }
}
