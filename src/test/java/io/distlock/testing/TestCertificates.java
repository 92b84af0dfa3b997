package io.distlock.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;

/**
 * Certificates made at test time with {@code openssl}: a test CA, a server certificate for
 * 127.0.0.1 and localhost signed by it, and an unrelated CA (a client that trusts only it must
 * refuse the server). Valid for two days; nothing is kept between runs.
 */
public final class TestCertificates {

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /**
     * Makes the certificates in a new temporary directory.
     *
     * @return the certificates
     */
    public static TestCertificates create() {
        Path openssl = ProcessControl.onPath("openssl");
        Assumptions.assumeTrue(openssl != null, "TLS tests need openssl on PATH (Debian: apt-get install openssl)");
        try {
            Path dir = Files.createTempDirectory("distlock-tls-");
            Files.writeString(dir.resolve("server.ext"),
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
            run(dir, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                    "-days", "2", "-subj", "/CN=distlock test CA");
            run(dir, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key",
                    "-out", "other-ca.crt", "-days", "2", "-subj", "/CN=unrelated test CA");
            run(dir, openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                    "-subj", "/CN=localhost");
            run(dir, openssl, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                    "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext");
            // signed by the same CA but naming another host: refused by a client that checks host names
            Files.writeString(dir.resolve("other-host.ext"),
                    "subjectAltName=DNS:other.example\nextendedKeyUsage=serverAuth\n");
            run(dir, openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-host.key", "-out",
                    "other-host.csr", "-subj", "/CN=other.example");
            run(dir, openssl, "x509", "-req", "-in", "other-host.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                    "-CAcreateserial", "-out", "other-host.crt", "-days", "2", "-extfile", "other-host.ext");
            return new TestCertificates(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot make test certificates", e);
        }
    }

    private static void run(Path dir, Path openssl, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(openssl.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("openssl.log").toFile())).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("openssl " + String.join(" ", args) + " failed; log in " + dir);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The test CA's certificate (PEM). */
    public Path caCertificate() {
        return dir.resolve("ca.crt");
    }

    /** The unrelated CA's certificate (PEM). */
    public Path otherCaCertificate() {
        return dir.resolve("other-ca.crt");
    }

    /** The server's certificate (PEM), for 127.0.0.1 and localhost. */
    public Path serverCertificate() {
        return dir.resolve("server.crt");
    }

    /** The server's private key (PEM, unencrypted). */
    public Path serverKey() {
        return dir.resolve("server.key");
    }

    /**
     * A server certificate signed by the test CA that names only {@code other.example} (not
     * 127.0.0.1 or localhost), and its key as the second element.
     *
     * @return the certificate and the key (PEM)
     */
    public Path[] otherHostCertificateAndKey() {
        return new Path[] {dir.resolve("other-host.crt"), dir.resolve("other-host.key")};
    }

    /** The directory holding the files. */
    public Path directory() {
        return dir;
    }

    /**
     * A socket factory trusting only the given CA certificate.
     *
     * @param ca a PEM certificate
     * @return the factory
     */
    public static SSLSocketFactory trusting(Path ca) {
        try (InputStream in = Files.newInputStream(ca)) {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ca", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (Exception e) {
            throw new IllegalStateException("cannot load " + ca, e);
        }
    }
}
