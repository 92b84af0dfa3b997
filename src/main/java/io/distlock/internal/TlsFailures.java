package io.distlock.internal;

import java.security.GeneralSecurityException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Recognises TLS failures that retrying cannot cure, for every back end: a handshake refused
 * because the server's certificate is not trusted or does not name the host. Such a failure is
 * the same on every attempt, so it is reported at once (a permanent error) with what to fix,
 * like wrong credentials.
 */
public final class TlsFailures {

    private TlsFailures() {
    }

    /**
     * What to fix, if {@code e} or one of its causes is a TLS handshake refused over the
     * server's certificate; {@code null} otherwise.
     *
     * @param e a failure of a call to the server
     * @return the advice, or {@code null}
     */
    public static String permanentCause(Throwable e) {
        boolean handshake = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException) {
                handshake = true;
            } else if (handshake && t instanceof GeneralSecurityException) {
                return "the server's TLS certificate was refused (" + t.getMessage() + "): trust the CA that signed "
                        + "it and make sure it names the host the client connects to";
            }
        }
        return null;
    }
}
