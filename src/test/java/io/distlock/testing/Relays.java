package io.distlock.testing;

import java.io.IOException;
import java.net.Socket;

/** What the loopback relays of the tests (HoldingProxy, BlackholeRelay) share. */
final class Relays {

    private Relays() {
    }

    /** Starts {@code body} on a daemon thread named {@code name}. */
    static void start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    /** Closes {@code s}, ignoring a failure (the relay is going away). */
    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
