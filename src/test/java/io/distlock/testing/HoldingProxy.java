package io.distlock.testing;

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
 * the client sees no answer (its read times out, or its pings go unanswered, and it drops the
 * connection); {@link #deliverHeld()} then sends the held request (the bytes of that first read,
 * as the client wrote them at once) to the server, as a late packet would arrive, even though
 * the client has gone; what the client sent after it on that connection (a cancellation, a
 * goodbye) is lost with the connection. What the server
 * answers to them is read and thrown away; {@link #awaitAnswerToHeld} tells when it has answered
 * (for an HTTP/2 server such as etcd, made with {@link #http2To}: when it has sent the headers of
 * a response, not merely a ping's or a window's frame).
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
    /** Whether the connection of the held request is cut on the client's side at once. */
    private volatile boolean cutClient;
    /** Whether the server speaks HTTP/2 (an answer is a HEADERS frame) rather than RESP. */
    private final boolean http2;

    private HoldingProxy(InetSocketAddress target, boolean http2) throws IOException {
        this.http2 = http2;
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
        return new HoldingProxy(new InetSocketAddress(host, port), false);
    }

    /** Starts a relay to an HTTP/2 server (gRPC, etcd) at {@code host:port} (a loopback address). */
    public static HoldingProxy http2To(String host, int port) throws IOException {
        return new HoldingProxy(new InetSocketAddress(host, port), true);
    }

    /**
     * Waits until the server has answered on the held connection since {@link #deliverHeld()}:
     * any byte from a RESP server, the headers of a response from an HTTP/2 server.
     *
     * @return whether it answered within {@code timeout}
     */
    public boolean awaitAnswerToHeld(java.time.Duration timeout) throws InterruptedException {
        Link l = held.get();
        if (l == null) {
            throw new IllegalStateException("nothing is held");
        }
        return l.answered.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
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
        holdNextRequest(text, false);
    }

    /**
     * As {@link #holdNextRequest(String)}; with {@code cutClient}, the connection is also cut on
     * the client's side as soon as the request is caught (the client sees it break at once and
     * goes on over a new one), while the server's side stays open for the late delivery: a
     * half-open connection, as a middlebox that dropped its state leaves.
     */
    public void holdNextRequest(String text, boolean cutClient) {
        if (held.get() != null) {
            throw new IllegalStateException("a request is held already");
        }
        this.cutClient = cutClient;
        armed.set(text);
    }

    /** How many connections the relay has accepted. */
    public int connections() {
        return sockets.size() / 2;
    }

    /** Whether a request has been caught and is being held. */
    public boolean holding() {
        Link l = held.get();
        return l != null && l.request != null;
    }

    /**
     * Sends the held request to the server, as a late packet, and then ends that connection's
     * client side towards the server (if the client has gone) once the server has answered, or
     * after 30 s.
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
                Relays.start("holding-proxy-up", link::pumpUp);
                Relays.start("holding-proxy-down", link::pumpDown);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("holding proxy: " + e);
                }
            }
        }
    }

    /** One relayed connection: client to server, possibly held. */
    private final class Link {
        private final Socket client;
        private final Socket server;
        /** The held request: the first read after the hold caught this connection. */
        byte[] request;
        /** Counted down when the server answers after the held bytes were delivered. */
        final java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(1);
        private volatile boolean deliveredFlag;
        /** HTTP/2 frame reading: the frame header being read, and the payload bytes still to skip. */
        private final byte[] frameHeader = new byte[9];
        private int headerRead;
        private long payloadLeft;
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
                            if (request == null) {
                                request = java.util.Arrays.copyOf(buf, n);
                                if (cutClient) {
                                    client.setSoLinger(true, 0);   // a reset, not an orderly close
                                    Relays.closeQuietly(client);
                                }
                            }
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
            Relays.closeQuietly(server);
        }

        /** Server to client, noting an answer to the delivered bytes; the client may be gone. */
        void pumpDown() {
            byte[] buf = new byte[16 * 1024];
            boolean clientOpen = true;
            try (InputStream in = server.getInputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    boolean answer = http2 ? sawResponseHeaders(buf, n) : n > 0;
                    if (answer && deliveredFlag) {
                        answered.countDown();
                    }
                    if (clientOpen) {
                        try {
                            OutputStream out = client.getOutputStream();
                            out.write(buf, 0, n);
                            out.flush();
                        } catch (IOException gone) {
                            clientOpen = false;
                        }
                    }
                }
            } catch (IOException ignored) {
                // the server side was closed
            } finally {
                Relays.closeQuietly(client);
            }
        }

        /** Reads HTTP/2 frames off the server's bytes: whether a HEADERS frame of a stream began. */
        private boolean sawResponseHeaders(byte[] buf, int n) {
            boolean seen = false;
            int i = 0;
            while (i < n) {
                if (payloadLeft > 0) {
                    int skip = (int) Math.min(payloadLeft, n - i);
                    payloadLeft -= skip;
                    i += skip;
                    continue;
                }
                frameHeader[headerRead++] = buf[i++];
                if (headerRead == 9) {
                    headerRead = 0;
                    payloadLeft = ((frameHeader[0] & 0xffL) << 16) | ((frameHeader[1] & 0xffL) << 8) | (frameHeader[2] & 0xffL);
                    int type = frameHeader[3] & 0xff;
                    int stream = ((frameHeader[5] & 0x7f) << 24) | ((frameHeader[6] & 0xff) << 16)
                            | ((frameHeader[7] & 0xff) << 8) | (frameHeader[8] & 0xff);
                    seen |= type == 0x1 && stream != 0;
                    if (deliveredFlag && Boolean.getBoolean("holdingProxy.trace")) {
                        System.out.println("proxy: server frame type " + type + " stream " + stream + " length " + payloadLeft);
                    }
                }
            }
            return seen;
        }

        synchronized int deliver() throws IOException {
            if (!holding) {
                throw new IllegalStateException("delivered already");
            }
            holding = false;
            delivered = true;
            deliveredFlag = true;
            byte[] bytes = request;
            if (Boolean.getBoolean("holdingProxy.trace")) {
                System.out.println("proxy: delivering " + bytes.length + " bytes: "
                        + new String(bytes, 0, Math.min(bytes.length, 400), StandardCharsets.ISO_8859_1).replaceAll("[^ -~]", "."));
            }
            OutputStream out = server.getOutputStream();
            out.write(bytes);
            out.flush();
            if (clientGone) {
                // let the server answer (the answer is dropped: the client is gone), then end
                Relays.start("holding-proxy-end", () -> {
                    try {
                        answered.await(30, java.util.concurrent.TimeUnit.SECONDS);
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    Relays.closeQuietly(server);
                });
            }
            return bytes.length;
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
        sockets.forEach(Relays::closeQuietly);
    }
}
