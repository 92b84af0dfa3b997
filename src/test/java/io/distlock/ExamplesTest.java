package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.examples.Demo;
import io.distlock.examples.Example1ReplaceReentrantLock;
import io.distlock.examples.Example2EtcdLocks;
import io.distlock.examples.Example3WithLock;
import io.distlock.examples.Example4Renewal;
import io.distlock.examples.Example5ReadWriteLock;
import io.distlock.examples.Example6LockManager;
import io.distlock.examples.Example7Conditions;
import io.distlock.testing.EtcdServers;
import io.distlock.testing.RedisServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the seven examples of src/examples against test servers, and the demo in a small size. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ExamplesTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(1);

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    private interface Main {
        void run(String[] args) throws Exception;
    }

    private static String run(Main main) throws Exception {
        String[] args = {redis.first().host() + ":" + redis.first().port(), etcd.get().endpoints().get(0)};
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            main.run(args);
        } finally {
            System.setOut(original);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        original.print(text);
        return text;
    }

    @Test
    void example1ReplacesAReentrantLock() throws Exception {
        assertThat(run(Example1ReplaceReentrantLock::main))
                .contains("reserved 3: true", "reserved 9: false", "tryLock() on a free lock: true");
    }

    @Test
    void example2UsesBothEtcdFlavours() throws Exception {
        assertThat(run(Example2EtcdLocks::main)).contains("TRANSACTION: holding 'ledger'", "LOCK_SERVICE: holding 'ledger'");
    }

    @Test
    void example3RunsBodiesUnderLocks() throws Exception {
        assertThat(run(Example3WithLock::main)).contains("issued invoice 42", "report built", "built after waiting");
    }

    @Test
    void example4KeepsAFixedLeaseAlive() throws Exception {
        assertThat(run(Example4Renewal::main)).contains("still held after 2.5 s: true, renewing: true")
                .doesNotContain("lost the lease");
    }

    @Test
    void example5SharesReadsAndExcludesWrites() throws Exception {
        assertThat(run(Example5ReadWriteLock::main)).contains("reads the configuration",
                "wrote the configuration, now reading it back", "read lock held elsewhere now? false");
    }

    @Test
    void example6RoutesByServiceName() throws Exception {
        assertThat(run(Example6LockManager::main)).contains("under the Redis lock: LockInfo[name=cache-refresh, locked=true",
                "under the etcd lock: LockInfo[name=leader, locked=true", "after: redis locked? false, etcd locked? false");
    }

    @Test
    void example7PassesItemsThroughABoundedBufferWithConditions() throws Exception {
        assertThat(run(Example7Conditions::main))
                .contains("moved 20 items through a buffer of 4 between two factories, in order: true");
    }

    @Test
    void theDemoProvesMutualExclusionAcrossJvms() throws Exception {
        String out = run(args -> assertThat(Demo.run(2, 2, 10)).isTrue());
        // without the lock, how many updates are lost is up to the race: only the line's shape is certain
        assertThat(out).containsPattern("without a lock \\(each increment pauses \\d+ ms between its read and its"
                        + " write, to make the race show\\):\n  40 increments in [0-9.,]+ s\n  final counter \\d+,"
                        + " expected 40: (\\d+ updates lost|no update lost this time)")
                .contains("with a RedisLock:\n  JVM  pid      increments   time ms   tokens")
                .contains("final counter 40, expected 40: exact", "All counts exact under the locks")
                .doesNotContain("WRONG")
                .doesNotContain("\u001b");
    }
}
