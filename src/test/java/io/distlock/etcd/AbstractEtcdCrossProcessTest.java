package io.distlock.etcd;

import io.distlock.CrossProcessTest;
import io.distlock.DistributedLockFactory;
import io.distlock.testing.EtcdServers;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Separate JVMs sharing EtcdLocks of one flavour. */
abstract class AbstractEtcdCrossProcessTest extends CrossProcessTest {

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    abstract EtcdFlavour flavour();

    @Override
    protected String spec() {
        return (flavour() == EtcdFlavour.TRANSACTION ? "etcd-txn:" : "etcd-lock-service:")
                + String.join(",", etcd.get().endpoints());
    }

    @Override
    protected DistributedLockFactory locks(String prefix) {
        return EtcdLockFactory.builder().endpoints(etcd.get().endpoints().toArray(String[]::new))
                .keyPrefix(prefix).flavour(flavour()).build();
    }

    /**
     * 500 in CI: 10,000 items took 240 s (transactions) and 503 s (lock service) here, 1,000 about
     * 50 s each, every critical section being several etcd writes; {@code -Ddistlock.bufferItems=10000}
     * runs the full count.
     */
    @Override
    protected int defaultBufferItems() {
        return 300;
    }

    @Override
    protected long deadWaiterMillis() {
        // a dead JVM's waiter key goes with its session lease, granted for the lease time (etcd
        // raises it to its minimum, about 2 s)
        return Math.max(crashLeaseMillis(), 2_000) + 2_000;
    }

    @Override
    protected List<String> leftovers(String prefix) {
        return EtcdTestSupport.keys(etcd.get(), prefix);
    }

    /** Every key under the prefix: the lock-service queue has one per waiter and one for the holder. */
    @Override
    protected int queuedOnServer(String prefix, String lockName) {
        return leftovers(prefix).size();
    }

    @Override
    protected String takeCounter(String key) {
        try (Client client = EtcdTestSupport.client(etcd.get())) {
            ByteSequence k = ByteSequence.from(key, StandardCharsets.UTF_8);
            GetResponse r = client.getKVClient().get(k).get(10, TimeUnit.SECONDS);
            client.getKVClient().delete(k).get(10, TimeUnit.SECONDS);
            return r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
