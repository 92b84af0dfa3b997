package io.distlock.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.distlock.LockBackendException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** What the TLS tests of every back end assert about a handshake refused over the server's certificate. */
public final class TlsRefusals {

    /** The JDK's words for a server certificate that does not name the address connected to. */
    public static final String NOT_NAMING_THE_ADDRESS = "No subject alternative names matching IP address 127.0.0.1";

    private TlsRefusals() {
    }

    /** The names of the live threads a lock factory starts. */
    public static Set<String> factoryThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("distlock-")).collect(Collectors.toSet());
    }

    /**
     * Asserts that {@code build} (a factory built with {@code verifyOnBuild(true)}) fails within
     * {@code withinMillis} with a permanent {@link LockBackendException} naming the server and
     * saying that its certificate was refused, with {@code cause} in the message if not null,
     * and that no factory thread is left behind.
     *
     * @param build builds the factory
     * @param server how the message names the server
     * @param cause a further part of the message, or null
     * @param withinMillis the bound on the time the failure takes (no retries)
     */
    public static void assertRefusedAtOnce(ThrowingCallable build, String server, String cause, long withinMillis) {
        Set<String> before = factoryThreads();
        long start = System.nanoTime();
        assertThatThrownBy(build)
                .isInstanceOf(LockBackendException.class)
                .hasMessageContaining(server)
                .hasMessageContaining("TLS certificate was refused")
                .hasMessageContaining(cause == null ? "" : cause)
                .matches(e -> ((LockBackendException) e).isPermanent(), "is permanent");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(withinMillis);
        await().atMost(Duration.ofSeconds(10)).until(() -> before.containsAll(factoryThreads()));
    }
}
