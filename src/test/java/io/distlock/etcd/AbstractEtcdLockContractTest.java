package io.distlock.etcd;

import io.distlock.DistributedLockFactory;
import io.distlock.DistributedLockContractTest;
import io.distlock.LeaseListener;
import io.distlock.LockOptions;
import io.distlock.testing.EtcdServers;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lock contract against a real single-node etcd, for one flavour. */
abstract class AbstractEtcdLockContractTest extends DistributedLockContractTest {

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    private final String prefix = "contract/" + UUID.randomUUID() + "/";

    abstract EtcdFlavour flavour();

    @Override
    protected DistributedLockFactory newSource(LockOptions options, LeaseListener listener) {
        return EtcdLockFactory.builder()
                .endpoints(etcd.get().endpoints().toArray(String[]::new))
                .keyPrefix(prefix)
                .flavour(flavour())
                .requestTimeout(Duration.ofSeconds(2))
                .options(options)
                .leaseListener(listener)
                .build();
    }

    @Override
    protected List<String> lockedNamesOnServer() {
        // the records of given-up tokens (TokenTombstones) are no locks: they live on the session
        // and go with it when the factory closes
        return EtcdTestSupport.keys(etcd.get(), prefix).stream().filter(k -> !k.startsWith(prefix + "g/"))
                .collect(java.util.stream.Collectors.toList());
    }

    /**
     * Fair transaction locks: a key in the lock's queue ({@code fx/}) older than every waiter
     * that comes after. The lock service keeps no such state: the oldest key of its queue holds
     * the lock (the server hands it over at the release), so a waiter whose turn has come holds it.
     */
    @Override
    protected AutoCloseable queueAStalledWaiter(String lockName) {
        if (!fair() || flavour() != EtcdFlavour.TRANSACTION) {
            return null;
        }
        return EtcdTestSupport.putUntilClosed(etcd.get(), prefix + "fx/" + lockName.length() + ":" + lockName
                + "/stalled-" + UUID.randomUUID());
    }

    @Override
    protected void pauseServer() {
        etcd.get().pause(0);
    }

    @Override
    protected void resumeServer() {
        etcd.get().resume(0);
    }

    @Override
    protected void killServer() {
        etcd.get().kill(0);
    }

    @Override
    protected void restartServer() {
        etcd.get().restart(0);
    }

    /** Every etcd call of a timed acquisition is bounded by the time left (at least 50 ms). */
    @Override
    protected long deadlineSlackMillis() {
        return 1_000;
    }

    @Override
    protected long shortLeaseMillis() {
        return 2_000;
    }
}
