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
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on loopback between Redis clients and one Redis server that can black-hole the
 * subscription connections: what a NAT, load balancer or firewall does when it times out an idle
 * flow without sending a reset. {@link #blackholeSubscriptions()} makes every connection open at
 * that moment that has sent a {@code PSUBSCRIBE} or {@code SSUBSCRIBE} stop passing bytes either
 * way, while both of its sockets stay open: the client sees no error and no answer, the server
 * keeps its subscriber. Connections made afterwards pass normally, so a client that notices and
 * subscribes again on a new connection is served.
 *
 * <p>Only loopback: it listens on 127.0.0.1 and forwards to the given loopback address. Every
 * socket and thread it opens is closed by {@link #close()}.
 */
public final class BlackholeRelay implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private BlackholeRelay(InetSocketAddress target) throws IOException {
        if (!target.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the relay only relays to loopback, not " + target);
        }
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "blackhole-relay-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /** Starts a relay to {@code host:port} (a loopback address). */
    public static BlackholeRelay to(String host, int port) throws IOException {
        return new BlackholeRelay(new InetSocketAddress(host, port));
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
     * Stops every open subscription connection from passing bytes, both ways, for good, leaving
     * its sockets open.
     *
     * @return how many connections were cut so
     */
    public int blackholeSubscriptions() {
        int cut = 0;
        for (Link l : links) {
            if (l.subscribed && !l.ended && !l.blackholed) {
                l.blackholed = true;
                cut++;
            }
        }
        return cut;
    }

    /** How many open connections have subscribed and still pass bytes. */
    public int liveSubscriptions() {
        int n = 0;
        for (Link l : links) {
            if (l.subscribed && !l.ended && !l.blackholed) {
                n++;
            }
        }
        return n;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(target, 5_000);
                Link link = new Link(client, server);
                links.add(link);
                if (closed) {
                    link.close();
                    return;
                }
                Relays.start("blackhole-relay-up", link::pumpUp);
                Relays.start("blackhole-relay-down", link::pumpDown);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("blackhole relay: " + e);
                }
            }
        }
    }

    /** One relayed connection. */
    private static final class Link {
        private final Socket client;
        private final Socket server;
        /** Whether the client has sent a (P|S)SUBSCRIBE on it; written by its up pump only. */
        volatile boolean subscribed;
        /** Whether it passes no bytes any more. */
        volatile boolean blackholed;
        /** Whether either side closed it. */
        volatile boolean ended;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void pumpUp() {
            pump(client, server, true);
        }

        void pumpDown() {
            pump(server, client, false);
        }

        /**
         * Copies {@code from} to {@code to} until either ends; once black-holed, reads and drops
         * (so the sender's writes never block) and leaves both sockets open, as a middlebox that
         * forgot the flow does: only the relay's close ends them then.
         */
        private void pump(Socket from, Socket to, boolean up) {
            byte[] buf = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buf)) >= 0; ) {
                    if (up && !subscribed) {
                        String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
                        subscribed = text.contains("PSUBSCRIBE") || text.contains("SSUBSCRIBE");
                    }
                    if (blackholed) {
                        continue;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // a side went away
            }
            ended = true;
            if (!blackholed) {
                close();
            }
        }

        void close() {
            ended = true;
            Relays.closeQuietly(client);
            Relays.closeQuietly(server);
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
        links.forEach(Link::close);
    }
}
