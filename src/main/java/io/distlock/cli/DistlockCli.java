package io.distlock.cli;

import io.distlock.AbstractDistributedLockFactory;
import io.distlock.LockBackendException;
import io.distlock.etcd.EtcdFlavour;
import io.distlock.etcd.EtcdLockFactory;
import io.distlock.redis.RedisLockFactory;
import io.distlock.spi.LockAdmin;
import io.distlock.spi.LockState;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The operators' command line: which locks are held under a prefix, who holds one and since when,
 * with which fencing token and lease, who waits, and the forced release of a lock whose holder is
 * gone. A thin layer over the factories' {@link LockAdmin} view. Run from
 * {@code target/distlock-cli.jar}: {@code java -jar target/distlock-cli.jar --help}.
 *
 * <p>Exit codes: 0 done, 1 failure (server unreachable, nothing to release), 2 bad usage (the
 * usage goes to standard error).
 */
@Command(name = "distlock", mixinStandardHelpOptions = true, version = "distlock command line",
        synopsisSubcommandLabel = "COMMAND",
        description = "Inspects and frees distlock locks on Redis (single, Cluster, Sentinel) or etcd.",
        subcommands = {DistlockCli.ListCommand.class, DistlockCli.InspectCommand.class,
                DistlockCli.ForceReleaseCommand.class},
        footer = {"", "Exit codes: 0 done, 1 failure (server unreachable, credentials refused, lock not held",
                "or held by another holder than the one named), 2 bad usage.",
                "Example: distlock --redis 127.0.0.1:6379 list --prefix orders/",
                "         distlock --redis redis:6380 --tls --cacert ca.pem --user ops \\",
                "           --password-env DISTLOCK_PASSWORD inspect orders/42"})
public final class DistlockCli implements Runnable {

    /** Where the locks are: exactly one of the server options. */
    static final class Target {
        @Option(names = "--redis", paramLabel = "HOST:PORT", description = "a single Redis server (or primary)")
        String redis;
        @Option(names = "--redis-cluster", paramLabel = "HOST:PORT", split = ",", arity = "1",
                description = "seed nodes of a Redis Cluster")
        List<String> cluster;
        @Option(names = "--sentinel", paramLabel = "MASTER@HOST:PORT[,HOST:PORT...]",
                description = "a primary named MASTER, found through these Redis Sentinels")
        String sentinel;
        @Option(names = "--etcd", paramLabel = "URL", split = ",", arity = "1",
                description = "etcd client URLs, e.g. http://127.0.0.1:2379")
        List<String> etcd;
    }

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Server (one of):%n")
    Target target;

    @Option(names = "--key-prefix", paramLabel = "PREFIX",
            description = "the factories' key prefix (default: lock: on Redis, lock/ on etcd)")
    String keyPrefix;

    @Option(names = "--etcd-flavour", paramLabel = "FLAVOUR", defaultValue = "TRANSACTION",
            description = "etcd locks' flavour: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    EtcdFlavour flavour;

    /** Who the command line is to the server, and how it trusts the server. */
    static final class Access {
        @Option(names = "--user", paramLabel = "USER",
                description = "the user to authenticate as (a Redis ACL user; an etcd user); needs a password")
        String user;
        @Option(names = "--password-env", paramLabel = "VARIABLE",
                description = "read the password from this environment variable (without --user, Redis' "
                        + "default user: requirepass)")
        String passwordEnv;
        @Option(names = "--password-file", paramLabel = "FILE",
                description = "read the password from the first line of this file")
        Path passwordFile;
        @Option(names = "--tls", description = "Redis: connect over TLS (etcd: give https:// URLs instead)")
        boolean tls;
        @Option(names = "--cacert", paramLabel = "FILE",
                description = "trust the server certificates this PEM CA certificate signed, instead of the "
                        + "JVM's trusted CAs (Redis: with --tls; etcd: with https:// URLs)")
        Path caCertificate;
    }

    @ArgGroup(exclusive = false, heading = "Credentials and TLS (passwords never on the command line):%n")
    Access access = new Access();

    /** The environment the passwords are read from (System::getenv, or a test's). */
    private final Function<String, String> environment;

    DistlockCli(Function<String, String> environment) {
        this.environment = environment;
    }

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing a command: list, inspect or force-release");
    }

    /** Runs the command line in this JVM, with this process' environment, and returns its exit code. */
    static int execute(PrintWriter out, PrintWriter err, String... args) {
        return execute(System::getenv, out, err, args);
    }

    /** Runs the command line in this JVM, reading environment variables from {@code env}, and returns its exit code. */
    static int execute(Function<String, String> env, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new DistlockCli(env));
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("distlock: " + describe(e));
            line.getErr().flush();
            return 1;
        });
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * The command line's entry point.
     *
     * @param args the arguments ({@code --help} lists them)
     */
    public static void main(String[] args) {
        // the runnable jar's logger (slf4j-simple) says only what goes wrong, on standard error
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(execute(out, err, args));
    }

    private static String describe(Exception e) {
        if (e instanceof LockBackendException || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException || e instanceof UnsupportedOperationException) {
            return e.getMessage();
        }
        return e.toString();
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /**
     * The password the options name: from the environment variable or the file's first line;
     * {@code null} if none is named. Checks the combinations of the access options that hold for
     * every server.
     */
    private String password() {
        if (access.passwordEnv != null && access.passwordFile != null) {
            throw usage("give the password one way: --password-env or --password-file");
        }
        String password = null;
        if (access.passwordEnv != null) {
            password = environment.apply(access.passwordEnv);
            if (password == null || password.isEmpty()) {
                throw usage("--password-env " + access.passwordEnv + ": the environment variable is not set or empty");
            }
        } else if (access.passwordFile != null) {
            try {
                List<String> lines = Files.readAllLines(access.passwordFile, StandardCharsets.UTF_8);
                password = lines.isEmpty() ? "" : lines.get(0);
            } catch (IOException | UncheckedIOException e) {
                throw usage("--password-file " + access.passwordFile + ": cannot read it (" + e + ")");
            }
            if (password.isEmpty()) {
                throw usage("--password-file " + access.passwordFile + ": the first line is empty");
            }
        }
        if (access.user != null && password == null) {
            throw usage("--user " + access.user + " needs a password: --password-env VARIABLE or --password-file FILE");
        }
        if (access.caCertificate != null && !Files.isReadable(access.caCertificate)) {
            throw usage("--cacert " + access.caCertificate + ": no such readable file");
        }
        return password;
    }

    /** A factory for the chosen server, with no access check (the admin calls check it). */
    AbstractDistributedLockFactory<?, ?> factory() {
        String password = password();
        if (target.etcd != null) {
            return etcdFactory(password);
        }
        RedisLockFactory.Builder b = RedisLockFactory.builder().verifyOnBuild(false);
        if (access.caCertificate != null && !access.tls) {
            throw usage("--cacert is for a TLS connection: add --tls");
        }
        if (password != null || access.tls) {
            b.clientConfig(redisConfig(password));
        }
        if (target.redis != null) {
            redis.clients.jedis.HostAndPort hp = hostAndPort("--redis", target.redis);
            b.hostAndPort(hp.getHost(), hp.getPort());
        } else if (target.cluster != null) {
            List<redis.clients.jedis.HostAndPort> seeds = new ArrayList<>();
            target.cluster.forEach(s -> seeds.add(hostAndPort("--redis-cluster", s)));
            b.clusterNodes(seeds);
        } else {
            int at = target.sentinel.indexOf('@');
            if (at <= 0) {
                throw new ParameterException(spec.commandLine(),
                        "--sentinel wants MASTER@HOST:PORT[,HOST:PORT...], was '" + target.sentinel + "'");
            }
            List<redis.clients.jedis.HostAndPort> sentinels = new ArrayList<>();
            for (String s : target.sentinel.substring(at + 1).split(",")) {
                sentinels.add(hostAndPort("--sentinel", s));
            }
            b.sentinel(target.sentinel.substring(0, at), sentinels);
        }
        return keyPrefix != null ? b.keyPrefix(keyPrefix).build() : b.build();
    }

    /** The Jedis configuration of the access options: user, password, TLS with the JVM's or the given CA. */
    private redis.clients.jedis.JedisClientConfig redisConfig(String password) {
        redis.clients.jedis.DefaultJedisClientConfig.Builder config = redis.clients.jedis.DefaultJedisClientConfig.builder()
                .user(access.user).password(password).ssl(access.tls);
        if (access.caCertificate != null) {
            config.sslSocketFactory(trusting(access.caCertificate));
        }
        return config.build();
    }

    /** A socket factory that trusts the PEM CA certificate(s) in {@code file} only. */
    private SSLSocketFactory trusting(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new CertificateException("no certificate in it");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw usage("--cacert " + file + ": not a PEM CA certificate (" + e.getMessage() + ")");
        }
    }

    /** An etcd factory over the endpoints, with the access options' user, password and CA. */
    private AbstractDistributedLockFactory<?, ?> etcdFactory(String password) {
        if (access.tls) {
            throw usage("--tls is for Redis: give etcd https:// URLs");
        }
        long secure = target.etcd.stream().filter(u -> u.startsWith("https://")).count();
        if (secure != 0 && secure != target.etcd.size()) {
            throw usage("--etcd: give every URL with https:// or none, was " + target.etcd);
        }
        if (access.caCertificate != null && secure == 0) {
            throw usage("--cacert is for TLS: give etcd https:// URLs");
        }
        if (password != null && access.user == null) {
            throw usage("etcd needs --user with a password");
        }
        EtcdLockFactory.Builder b = EtcdLockFactory.builder().flavour(flavour).verifyOnBuild(false);
        if (secure == 0 && password == null) {
            b.endpoints(target.etcd.toArray(String[]::new));
        } else {
            // as endpoints(...) does: the factory's retries are the only ones
            io.etcd.jetcd.ClientBuilder client = io.etcd.jetcd.Client.builder()
                    .endpoints(target.etcd.toArray(String[]::new)).retryMaxAttempts(0)
                    // a refused handshake (an untrusted certificate) fails the call at once, not at its timeout
                    .waitForReady(false);
            if (password != null) {
                client.user(io.etcd.jetcd.ByteSequence.from(access.user, StandardCharsets.UTF_8))
                        .password(io.etcd.jetcd.ByteSequence.from(password, StandardCharsets.UTF_8));
            }
            if (secure > 0) {
                try {
                    client.sslContext(trustingNetty(access.caCertificate));
                } catch (javax.net.ssl.SSLException | RuntimeException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    throw usage("--cacert " + access.caCertificate + ": not a PEM CA certificate (" + cause.getMessage() + ")");
                }
            }
            b.clientBuilder(client);
        }
        return keyPrefix != null ? b.keyPrefix(keyPrefix).build() : b.build();
    }

    /**
     * What jetcd's {@code sslContext(...)} is given: trust {@code ca} if not {@code null}, else the
     * JVM's trusted CAs. Netty's builder is reached by reflection: this module does not read Netty,
     * which jetcd brings on the class path.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static java.util.function.Consumer trustingNetty(Path ca) {
        return ssl -> {
            if (ca != null) {
                try {
                    ssl.getClass().getMethod("trustManager", java.io.File.class).invoke(ssl, ca.toFile());
                } catch (ReflectiveOperationException e) {
                    throw new IllegalArgumentException(e.getCause() != null ? e.getCause() : e);
                }
            }
        };
    }

    private redis.clients.jedis.HostAndPort hostAndPort(String option, String s) {
        int colon = s.lastIndexOf(':');
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (colon <= 0 || port <= 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new redis.clients.jedis.HostAndPort(s.substring(0, colon), port);
        } catch (RuntimeException e) {
            throw new ParameterException(spec.commandLine(), option + " wants HOST:PORT, was '" + s + "'");
        }
    }

    /** {@code 12.3s}, {@code 4m05s}; "-" if unknown. */
    static String duration(long millis) {
        if (millis < 0) {
            return "-";
        }
        if (millis < 60_000) {
            return String.format("%.1fs", millis / 1000.0);
        }
        Duration d = Duration.ofMillis(millis);
        return d.toHours() > 0 ? String.format("%dh%02dm", d.toHours(), d.toMinutesPart())
                : String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart());
    }

    static String since(LockState s) {
        if (s.since() != null) {
            Instant at = s.since().truncatedTo(ChronoUnit.MILLIS);
            return at + " (" + duration(Math.max(0, Duration.between(at, Instant.now()).toMillis())) + " ago)";
        }
        return s.sinceRevision() > 0 ? "revision " + s.sinceRevision() : "-";
    }

    /** Whether {@code kind} of {@link LockState#waiters()} lists holders (of a read/write lock), not waiters. */
    static boolean holds(String kind) {
        return kind.equals(LockState.WRITER) || kind.equals(LockState.READERS);
    }

    static String waiterSummary(LockState s) {
        List<String> parts = new ArrayList<>();
        int[] count = {0};
        s.waiters().forEach((kind, ids) -> {
            if (!holds(kind)) {
                parts.add(kind + " " + ids.size());
                count[0] += ids.size();
            }
        });
        return parts.isEmpty() ? "0" : count[0] + " (" + String.join(", ", parts) + ")";
    }

    /** The holders of the read/write lock of the name, {@code writer T, readers 2}; "-" if none. */
    static String readWriteSummary(LockState s) {
        List<String> writer = s.waiters().getOrDefault(LockState.WRITER, List.of());
        List<String> readers = s.waiters().getOrDefault(LockState.READERS, List.of());
        if (writer.isEmpty() && readers.isEmpty()) {
            return "-";
        }
        List<String> parts = new ArrayList<>();
        if (!writer.isEmpty()) {
            parts.add("writer " + writer.get(0));
        }
        if (!readers.isEmpty()) {
            parts.add("readers " + readers.size());
        }
        return String.join(", ", parts);
    }

    /** The shared part of the commands: a factory for the time of one command. */
    abstract static class AdminCommand implements Callable<Integer> {
        @ParentCommand
        DistlockCli parent;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (AbstractDistributedLockFactory<?, ?> factory = parent.factory()) {
                return run(factory.admin(), spec.commandLine().getOut(), spec.commandLine().getErr(),
                        factory instanceof EtcdLockFactory ? ((EtcdLockFactory) factory).flavour() : null);
            }
        }

        abstract int run(LockAdmin admin, PrintWriter out, PrintWriter err, EtcdFlavour etcd);
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the locks under a name prefix: holder, fencing token, lease left, since, waiters (condition waiters: see inspect).")
    static final class ListCommand extends AdminCommand {
        @Option(names = "--prefix", paramLabel = "NAME_PREFIX", defaultValue = "",
                description = "only names that start with this (the key prefix is not part of a name)")
        String prefix;
        @Option(names = "--all", description = "also names with nobody holding or waiting (a fencing counter only)")
        boolean all;
        @Option(names = "--limit", defaultValue = "1000", description = "the most names (default: ${DEFAULT-VALUE})")
        int limit;

        @Override
        int run(LockAdmin admin, PrintWriter out, PrintWriter err, EtcdFlavour etcd) {
            if (limit <= 0) {
                throw new ParameterException(spec.commandLine(), "--limit wants a positive number, was " + limit);
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"NAME", "HOLDER", "FENCING TOKEN", "LEASE LEFT", "SINCE", "READ/WRITE", "WAITERS"});
            for (String name : admin.names(prefix, limit)) {
                LockState s = admin.summary(name);
                if (!all && !s.isActive()) {
                    continue;
                }
                rows.add(new String[] {name, s.isHeld() ? s.holder() : "-",
                        s.fencingToken() > 0 ? Long.toString(s.fencingToken()) : "-",
                        duration(s.remainingLeaseMillis()), since(s), readWriteSummary(s), waiterSummary(s)});
            }
            int[] width = new int[rows.get(0).length];
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    width[i] = Math.max(width[i], row[i].length());
                }
            }
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < row.length; i++) {
                    line.append(i == row.length - 1 ? row[i] : String.format("%-" + (width[i] + 2) + "s", row[i]));
                }
                out.println(line);
            }
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Shows one lock: holder, fencing token, lease left, since, and every waiter.")
    static final class InspectCommand extends AdminCommand {
        @Parameters(paramLabel = "NAME", description = "the lock name (without the key prefix)")
        String name;

        @Override
        int run(LockAdmin admin, PrintWriter out, PrintWriter err, EtcdFlavour etcd) {
            LockState s = admin.state(name);
            out.println("name:          " + s.name());
            out.println("held:          " + (s.isHeld() ? "yes" : "no"));
            if (s.isHeld()) {
                out.println("holder:        " + s.holder());
                out.println("fencing token: " + (s.fencingToken() > 0 ? s.fencingToken() : "- (not kept by this back end)"));
                out.println("lease left:    " + duration(s.remainingLeaseMillis()));
                out.println("since:         " + since(s));
            }
            List<String> writer = s.waiters().getOrDefault(LockState.WRITER, List.of());
            List<String> readers = s.waiters().getOrDefault(LockState.READERS, List.of());
            if (!writer.isEmpty() || !readers.isEmpty()) {
                out.println("read/write:    held (force-release --read-write frees it)");
                out.println("  writer: " + (writer.isEmpty() ? "-" : writer.get(0)));
                out.println("  readers: " + (readers.isEmpty() ? "-" : String.join(" ", readers)));
            }
            out.println("waiters:       " + waiterSummary(s));
            for (Map.Entry<String, List<String>> e : s.waiters().entrySet()) {
                if (!holds(e.getKey())) {
                    out.println("  " + e.getKey() + ": " + String.join(" ", e.getValue()));
                }
            }
            if (etcd == EtcdFlavour.TRANSACTION) {
                out.println("note:          etcd keeps no record of a non-fair lock's waiters (they watch the key)");
            }
            return 0;
        }
    }

    @Command(name = "force-release", mixinStandardHelpOptions = true,
            description = {"Frees a lock whose holder is gone, if the holder named (--holder, as inspect "
                    + "shows it) still has it; --any-holder frees it whoever has it. The holder's token owns "
                    + "nothing afterwards (its renewal and unlock report the lease lost), the fencing counter is "
                    + "kept (the next holder's token is higher), and waiters are woken. Only for a holder that "
                    + "is gone: a holder still running believes it holds the lock until its next renewal, while "
                    + "another may take it.",
                    "With --read-write it frees holders of the read/write lock of the name instead: the writer "
                            + "or readers named with --holder (repeat it for several readers; all must hold "
                            + "it, else nothing is freed; readers not named read on), or with --any-holder "
                            + "every holder."})
    static final class ForceReleaseCommand extends AdminCommand {
        @Parameters(paramLabel = "NAME", description = "the lock name (without the key prefix)")
        String name;

        @Option(names = "--holder", paramLabel = "HOLDER",
                description = "release only if this holder (from inspect or list) still has the lock; "
                        + "with --read-write, repeatable")
        List<String> holders;

        @Option(names = "--any-holder", description = "release whoever holds the lock")
        boolean anyHolder;

        @Option(names = "--read-write", description = "release holders of the read/write lock of NAME "
                + "(its writer, its readers), not its exclusive lock")
        boolean readWrite;

        @Override
        int run(LockAdmin admin, PrintWriter out, PrintWriter err, EtcdFlavour etcd) {
            if ((holders == null) == !anyHolder) {
                throw new ParameterException(spec.commandLine(),
                        "say which holder to release: --holder HOLDER (as inspect shows it), or --any-holder");
            }
            if (!readWrite && holders != null && holders.size() > 1) {
                throw new ParameterException(spec.commandLine(),
                        "an exclusive lock has one holder: give --holder once (several only with --read-write)");
            }
            return readWrite ? releaseReadWrite(admin, out, err) : releaseExclusive(admin, out, err);
        }

        private int releaseExclusive(LockAdmin admin, PrintWriter out, PrintWriter err) {
            LockState was;
            try {
                was = admin.forceRelease(name, holders == null ? null : holders.get(0));
            } catch (IllegalStateException e) {
                err.println("distlock: " + e.getMessage());
                return 1;
            }
            if (was == null) {
                err.println("distlock: lock '" + name + "' is not held: nothing released");
                return 1;
            }
            out.println("released '" + name + "': holder " + was.holder()
                    + (was.fencingToken() > 0 ? ", fencing token " + was.fencingToken() : "")
                    + ", lease left was " + duration(was.remainingLeaseMillis()) + "; waiters woken");
            return 0;
        }

        private int releaseReadWrite(LockAdmin admin, PrintWriter out, PrintWriter err) {
            Map<String, List<String>> released;
            try {
                released = admin.forceReleaseReadWrite(name, holders);
            } catch (IllegalStateException e) {
                err.println("distlock: " + e.getMessage());
                return 1;
            }
            List<String> writer = released.getOrDefault(LockState.WRITER, List.of());
            List<String> readers = released.getOrDefault(LockState.READERS, List.of());
            if (writer.isEmpty() && readers.isEmpty()) {
                err.println("distlock: read/write lock '" + name + "' is not held: nothing released");
                return 1;
            }
            out.println("released read/write lock '" + name + "': writer " + (writer.isEmpty() ? "-" : writer.get(0))
                    + ", readers " + (readers.isEmpty() ? "-" : String.join(" ", readers)) + "; waiters woken");
            return 0;
        }
    }
}
