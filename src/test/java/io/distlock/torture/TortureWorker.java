package io.distlock.torture;

import io.distlock.DistributedLock;
import io.distlock.DistributedLockFactory;
import io.distlock.LeaseLostException;
import io.distlock.LockOptions;
import io.distlock.LockWorker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import redis.clients.jedis.RedisClient;

/**
 * One JVM of a torture run. Its threads take locks on a few names, and inside each critical
 * section they write to a fencing register on a separate Redis and record what they did.
 *
 * <pre>
 * java ... TortureWorker SPEC PREFIX MODE NAMES THREADS SECTIONS SECONDS SEED LEASE_MS REGISTER RECORDS
 *   MODE      exclusive (DistributedLock) or rw (read/write locks: a third of the sections write)
 *   REGISTER  host:port of the register's Redis; RECORDS the file this JVM appends its records to
 * prints READY, waits for "go" on standard input, prints "DONE sections=n failures=f".
 * </pre>
 *
 * Records, one line each, flushed at once (a SIGKILL loses at most the line being written);
 * times are System.nanoTime(), comparable between processes of one machine:
 * <pre>
 *   E pid thread name token nanos role waitedMillis   entered (role x exclusive, w writer, r reader)
 *   W pid thread name token nanos accepted           the register's verdict on this section's write
 *   R pid thread name token nanos consistent         a reader's two reads agreed (1) or not (0)
 *   U pid thread name token nanos                    done with the section, about to unlock
 *   X pid thread name token nanos outcome            unlocked (nanos as in U; outcome: ok, lost, error)
 *   F pid thread name nanos waitedMillis what        did not get the lock (a timeout or an exception)
 * </pre>
 * A writer's section reads the name's counter, sleeps a millisecond, and writes counter + 1
 * through the register: accepted only if its token is not older than the last accepted one, in
 * one script that also logs every write with its verdict in the order applied.
 */
public final class TortureWorker {

    /** How long a thread waits for a lock before it records a failure and goes on. */
    static final long WAIT_SECONDS = 20;

    /**
     * The register's write: KEYS last token, counter, log; ARGV token, value, log entry.
     * Tokens are compared as decimal strings (Lua numbers lose digits beyond 2^53).
     */
    static final String REGISTER_SCRIPT = String.join("\n",
            "local last = redis.call('GET', KEYS[1]) or '0'",
            "local t = ARGV[1]",
            "local newer = #t > #last or (#t == #last and t >= last)",
            "if newer then",
            "  redis.call('SET', KEYS[1], t)",
            "  redis.call('SET', KEYS[2], ARGV[2])",
            "  redis.call('RPUSH', KEYS[3], ARGV[3] .. ' 1')",
            "  return 1",
            "end",
            "redis.call('RPUSH', KEYS[3], ARGV[3] .. ' 0')",
            "return 0");

    private TortureWorker() {
    }

    static String lastKey(String name) {
        return "register:last:" + name;
    }

    static String counterKey(String name) {
        return "register:counter:" + name;
    }

    static String holderKey(String name) {
        return "register:holder:" + name;
    }

    static final String LOG_KEY = "register:log";

    public static void main(String[] args) throws Exception {
        String spec = args[0];
        String prefix = args[1];
        boolean readWrite = args[2].equals("rw");
        int names = Integer.parseInt(args[3]);
        int threads = Integer.parseInt(args[4]);
        int sections = Integer.parseInt(args[5]);
        long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[6]));
        long seed = Long.parseLong(args[7]);
        long leaseMillis = Long.parseLong(args[8]);
        String register = args[9];
        Path records = Path.of(args[10]);
        long pid = ProcessHandle.current().pid();
        LockOptions options = LockOptions.builder().leaseTime(Duration.ofMillis(leaseMillis)).build();
        RedisClient reg = RedisClient.create(register.substring(0, register.lastIndexOf(':')),
                Integer.parseInt(register.substring(register.lastIndexOf(':') + 1)));
        AtomicInteger done = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        try (DistributedLockFactory locks = LockWorker.factory(spec, prefix, options, (n, f) -> { });
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(records, StandardCharsets.UTF_8,
                     java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND), true)) {
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            System.out.println("READY");
            if (!"go".equals(stdin.readLine())) {
                throw new IllegalStateException("expected go");
            }
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random rng = new Random(seed * 1_000 + t);
                String thread = "t" + t;
                Thread w = new Thread(() -> {
                    for (int i = 0; i < sections && System.nanoTime() - stopAt < 0; i++) {
                        String name = "n" + rng.nextInt(names);
                        boolean write = !readWrite || rng.nextInt(3) == 0;
                        DistributedLock lock = !readWrite ? locks.getLock(name)
                                : write ? locks.getReadWriteLock(name).writeLock() : locks.getReadWriteLock(name).readLock();
                        if (section(lock, name, write, readWrite, pid, thread, reg, out)) {
                            done.incrementAndGet();
                        } else {
                            failures.incrementAndGet();
                        }
                    }
                }, "torture-" + thread);
                workers.add(w);
                w.start();
            }
            for (Thread w : workers) {
                w.join(TimeUnit.MINUTES.toMillis(30));
            }
            System.out.println("DONE sections=" + done.get() + " failures=" + failures.get());
        } finally {
            reg.close();
        }
        System.exit(0);
    }

    /** One critical section; false if the lock could not be had. */
    private static boolean section(DistributedLock lock, String name, boolean write, boolean readWrite, long pid,
                                   String thread, RedisClient reg, PrintWriter out) {
        long asked = System.nanoTime();
        boolean got;
        try {
            got = lock.tryLock(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            record(out, "F", pid, thread, name, System.nanoTime(), millisSince(asked), e.getClass().getSimpleName());
            return false;
        }
        if (!got) {
            record(out, "F", pid, thread, name, System.nanoTime(), millisSince(asked), "timeout");
            return false;
        }
        long token = lock.getFencingToken();
        record(out, "E", pid, thread, name, token, System.nanoTime(), !readWrite ? "x" : write ? "w" : "r",
                millisSince(asked));
        try {
            if (write) {
                reg.set(holderKey(name), Long.toString(pid));
                String seen = reg.get(counterKey(name));
                long value = seen == null ? 0 : Long.parseLong(seen);
                Thread.sleep(1);
                Object accepted = reg.eval(REGISTER_SCRIPT, List.of(lastKey(name), counterKey(name), LOG_KEY),
                        List.of(Long.toString(token), Long.toString(value + 1),
                                name + " " + token + " " + pid + " " + thread + " " + System.nanoTime()));
                record(out, "W", pid, thread, name, token, System.nanoTime(), accepted);
            } else {
                String first = reg.get(counterKey(name));
                Thread.sleep(1);
                String second = reg.get(counterKey(name));
                record(out, "R", pid, thread, name, token, System.nanoTime(),
                        java.util.Objects.equals(first, second) ? 1 : 0);
            }
        } catch (Exception e) {
            // the register unreachable: the section still ends, and unlocks
        }
        long left = System.nanoTime();
        // the section's work is over: a process stopped from here on is no longer inside
        record(out, "U", pid, thread, name, token, left);
        String outcome;
        try {
            lock.unlock();
            outcome = "ok";
        } catch (LeaseLostException e) {
            outcome = "lost";
        } catch (RuntimeException e) {
            outcome = "error";
        }
        record(out, "X", pid, thread, name, token, left, outcome);
        return true;
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static void record(PrintWriter out, Object... fields) {
        StringBuilder b = new StringBuilder();
        for (Object f : fields) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(f);
        }
        synchronized (out) {
            out.println(b);
        }
    }

    /** Reads every record file of a run. */
    static List<String> readRecords(List<Path> files) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Path f : files) {
            if (Files.exists(f)) {
                lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
            }
        }
        return lines;
    }
}
