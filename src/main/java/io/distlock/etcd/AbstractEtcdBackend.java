package io.distlock.etcd;

import io.distlock.spi.LockBackend;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** What the two etcd back ends share: the client, the key layout, call timeouts and closing. */
abstract class AbstractEtcdBackend implements LockBackend {

    final Client client;
    private final boolean ownsClient;
    private final String prefix;
    final Duration timeout;
    final long ttlSeconds;
    final boolean watchdog;
    final String where;

    AbstractEtcdBackend(Client client, boolean ownsClient, String prefix, Duration timeout,
                        long leaseMillis, boolean watchdog, String where) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.prefix = prefix;
        this.timeout = timeout;
        this.ttlSeconds = Math.max(1L, (leaseMillis + 999) / 1000);
        this.watchdog = watchdog;
        this.where = where;
    }

    /** The key of lock {@code name}: the prefix followed by the name. */
    ByteSequence key(String name) {
        return EtcdCalls.bytes(prefix + name);
    }

    <T> T await(CompletableFuture<T> call, String what) {
        return EtcdCalls.await(call, timeout, what, where);
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
    io.distlock.spi.LeaseSnapshot snapshotOf(io.etcd.jetcd.KeyValue owner, boolean revisionIsFence) {
        long remaining = -1;
        if (owner.getLease() != 0) {
            long ttl = await(client.getLeaseClient().timeToLive(owner.getLease(),
                    io.etcd.jetcd.options.LeaseOption.DEFAULT), "lease time-to-live").getTTL();
            remaining = ttl < 0 ? -1 : ttl * 1000;
        }
        return io.distlock.spi.LeaseSnapshot.held(remaining, revisionIsFence ? owner.getCreateRevision() : 0);
    }

    /**
     * A lease known to last {@code granted} ms from some moment at or after {@code sentAt},
     * expressed from {@code sentAt} (as the SPI counts): never more than is known.
     */
    static long sinceSent(long granted, long sentAt) {
        return Math.max(granted - java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt), 0L);
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
            if (ownsClient) {
                client.close();
            }
        }
    }
}
