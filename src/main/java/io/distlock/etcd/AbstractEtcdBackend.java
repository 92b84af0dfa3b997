package io.distlock.etcd;

import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.LockBackend;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** What the two etcd back ends of exclusive locks share: the client, the key layout, call timeouts and closing. */
abstract class AbstractEtcdBackend implements LockBackend {

    final Client client;
    private final boolean ownsClient;
    private final String prefix;
    private final String kind;
    final Duration timeout;
    final boolean watchdog;
    final String where;
    final EtcdSessions sessions;

    AbstractEtcdBackend(Client client, boolean ownsClient, String prefix, String kind, Duration timeout,
                        boolean watchdog, String where, EtcdSessions sessions) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.prefix = prefix;
        this.kind = kind;
        this.timeout = timeout;
        this.watchdog = watchdog;
        this.where = where;
        this.sessions = sessions;
    }

    /** The key of lock {@code name} (see {@link EtcdCalls#lockKey}). */
    ByteSequence key(String name) {
        return EtcdCalls.bytes(EtcdCalls.lockKey(prefix, kind, name));
    }

    /** The key range of the condition queues of lock {@code name}, ending in a slash. */
    ByteSequence conditionQueue(String name) {
        return EtcdCalls.bytes(EtcdCalls.lockKey(prefix, "c" + kind, name) + "/");
    }

    /** The key range of the fair queue of lock {@code name} (waiting tokens), ending in a slash. */
    ByteSequence fairQueue(String name) {
        return EtcdCalls.bytes(EtcdCalls.lockKey(prefix, "f" + kind, name) + "/");
    }

    /** The deadline of one call to the server, given the time the caller has left. */
    long deadline(long budgetNanos) {
        return EtcdCalls.deadline(timeout, budgetNanos);
    }

    /** The deadline of one call that has no caller's deadline to keep. */
    long deadline() {
        return deadline(Long.MAX_VALUE);
    }

    <T> T await(CompletableFuture<T> call, String what) {
        return EtcdCalls.await(call, deadline(), what, where);
    }

    <T> T await(CompletableFuture<T> call, long deadline, String what) {
        return EtcdCalls.await(call, deadline, what, where);
    }

    /** Counts the keys under {@code start} (one key, or a range with {@code asPrefix}). */
    long count(ByteSequence start, boolean asPrefix) {
        GetOption.Builder option = GetOption.builder().withCountOnly(true);
        if (asPrefix) {
            option.isPrefix(true);
        }
        GetResponse r = await(client.getKVClient().get(start, option.build()), "count");
        return r.getCount();
    }

    /**
     * What the server says of the lock whose owner key is {@code owner}: its create revision as
     * fencing token (when {@code revisionIsFence}) and the remaining TTL of its lease.
     */
    LeaseSnapshot snapshotOf(KeyValue owner, boolean revisionIsFence) {
        long remaining = -1;
        if (owner.getLease() != 0) {
            long ttl = await(client.getLeaseClient().timeToLive(owner.getLease(), LeaseOption.DEFAULT),
                    "lease time-to-live").getTTL();
            remaining = ttl < 0 ? -1 : ttl * 1000;
        }
        return LeaseSnapshot.held(remaining, revisionIsFence ? owner.getCreateRevision() : 0);
    }

    @Override
    public String describe() {
        return where;
    }

    /** Frees what the subclass holds, then closes the client if the factory created it. */
    abstract void closeBackend();

    @Override
    public final void close() {
        try {
            closeBackend();
        } finally {
            sessions.close();
            if (ownsClient) {
                client.close();
            }
        }
    }
}
