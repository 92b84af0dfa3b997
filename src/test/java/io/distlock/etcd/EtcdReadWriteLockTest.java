package io.distlock.etcd;

import io.distlock.DistributedLockFactory;
import io.distlock.LeaseListener;
import io.distlock.LockOptions;
import io.distlock.ReadWriteLockContractTest;
import io.distlock.testing.EtcdServers;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

class EtcdReadWriteLockTest extends ReadWriteLockContractTest {

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    private final String prefix = "rwtest/" + UUID.randomUUID() + "/";

    @Override
    protected DistributedLockFactory newFactory(LockOptions options, LeaseListener listener) {
        return EtcdLockFactory.builder().endpoints(etcd.get().endpoints().toArray(String[]::new))
                .keyPrefix(prefix).requestTimeout(java.time.Duration.ofSeconds(2))
                .options(options).leaseListener(listener).build();
    }

    @Override
    protected List<String> leftovers() {
        return EtcdTestSupport.keys(etcd.get(), prefix);
    }

    /** The keys of the lock's queue (holders included): one per reader or writer that reached etcd. */
    @Override
    protected int queuedOnServer(String lockName) {
        return EtcdTestSupport.keys(etcd.get(), prefix + "rw/" + lockName.length() + ":" + lockName + "/").size();
    }

    @Override
    protected void pauseServer() {
        etcd.get().pause(0);
    }

    @Override
    protected void resumeServer() {
        etcd.get().resume(0);
    }
}
