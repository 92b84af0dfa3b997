package io.distlock.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Checks that an optional client library is present before a back end touches it, so that a user
 * who declared only one client gets a message naming the missing dependency instead of a
 * {@link NoClassDefFoundError} from deep inside a builder.
 */
public final class Dependencies {

    private static final Properties VERSIONS = load();

    private Dependencies() {
    }

    /**
     * Checks that {@code className} can be loaded by the library's class loader.
     *
     * @param className a class of the client library
     * @param artifact the client's Maven coordinates, {@code groupId:artifactId}
     * @param user what needs it, for the message
     * @throws IllegalStateException naming the artifact and the version this build was tested with
     *         if the class is absent
     */
    public static void require(String className, String artifact, String user) {
        try {
            Class.forName(className, false, Dependencies.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            String version = VERSIONS.getProperty(artifact, "");
            throw new IllegalStateException(user + " needs " + artifact + " on the class path (or module path), "
                    + "an optional dependency of distlock: declare " + artifact
                    + (version.isEmpty() ? "" : ":" + version + " (the version this build was tested with)")
                    + "; " + className + " was not found", e);
        }
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = Dependencies.class.getResourceAsStream("clients.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
