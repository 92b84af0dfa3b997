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
    /**
     * The factory's read/write back end, for the operator's view of the read/write lock of a name;
     * set once by the factory before the back end is used.
     */
    volatile EtcdReadWriteBackend readWrite;

    AbstractEtcdBackend(Client client, boolean ownsClient, String prefix, String kind, Duration timeout,
                        boolean watchdog, String where, EtcdSessions sessions) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.prefix = prefix;
        this.kind = kind;
        this.hotKeys = new io.distlock.internal.NameCache<>(name -> new HotKeys(
                EtcdCalls.bytes(EtcdCalls.lockKey(prefix, kind, name)),
                EtcdCalls.bytes(EtcdCalls.lockKey(prefix, "w" + kind, name) + "/")));
        this.timeout = timeout;
        this.watchdog = watchdog;
        this.where = where;
        this.sessions = sessions;
    }

    /** The keys every acquisition and release of a name uses, built once per name in a while. */
    private record HotKeys(ByteSequence key, ByteSequence waitingMarks) {
    }

    private final io.distlock.internal.NameCache<HotKeys> hotKeys;

    /** The key of lock {@code name} (see {@link EtcdCalls#lockKey}). */
    ByteSequence key(String name) {
        return hotKeys.get(name).key();
    }

    /** The key range of the condition queues of lock {@code name}, ending in a slash. */
    ByteSequence conditionQueue(String name) {
        return EtcdCalls.bytes(EtcdCalls.lockKey(prefix, "c" + kind, name) + "/");
    }

    /** The key range of the fair queue of lock {@code name} (waiting tokens), ending in a slash. */
    ByteSequence fairQueue(String name) {
        return EtcdCalls.bytes(EtcdCalls.lockKey(prefix, "f" + kind, name) + "/");
    }

    /**
     * The key range of the marks of the waiting acquisitions of lock {@code name} (one key per
     * waiting token, on the factory's session), ending in a slash.
     */
    ByteSequence waitingMarks(String name) {
        return hotKeys.get(name).waitingMarks();
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

    /**
     * The key of the holder of lock {@code name} (with its create revision and lease), or
     * {@code null} if free.
     */
    abstract KeyValue owner(String name);

    /**
     * Removes the holder {@code owner} found by {@link #owner} in one step that touches nothing
     * else (a later holder in particular); wakes the waiters by deleting its key.
     *
     * @return whether it was still there
     */
    abstract boolean removeOwner(String name, KeyValue owner);

    /** The fencing token of {@code owner} if the server keeps it, else zero. */
    abstract long fenceOf(KeyValue owner);

    /** Who queues behind the holder in the server's own queue (etcd's lock service), by kind. */
    void queued(String name, java.util.Map<String, java.util.List<String>> waiters) {
    }

    /** The key ranges this back end keeps for a name, by kind of key (see EtcdCalls.lockKey). */
    private java.util.List<String> kinds() {
        return java.util.List.of(kind, "f" + kind, "c" + kind, "w" + kind, "rw");
    }

    private final io.distlock.spi.LockAdmin admin = new io.distlock.spi.LockAdmin() {
        @Override
        public java.util.List<String> names(String namePrefix, int limit) {
            java.util.TreeSet<String> names = new java.util.TreeSet<>();
            for (String k : kinds()) {
                String start = prefix + k + "/";
                for (KeyValue kv : await(client.getKVClient().get(EtcdCalls.bytes(start), GetOption.builder()
                        .isPrefix(true).withKeysOnly(true).build()), "list").getKvs()) {
                    String rest = kv.getKey().toString(java.nio.charset.StandardCharsets.UTF_8)
                            .substring(start.length());
                    int colon = rest.indexOf(':');
                    try {
                        int length = Integer.parseInt(rest.substring(0, colon));
                        String name = rest.substring(colon + 1, colon + 1 + length);
                        if (name.startsWith(namePrefix)) {
                            names.add(name);
                        }
                    } catch (RuntimeException notALockKey) {
                        // another record under the prefix (given-up tokens): not a name
                    }
                }
            }
            return new java.util.ArrayList<>(names).subList(0, Math.min(limit, names.size()));
        }

        @Override
        public io.distlock.spi.LockState state(String name) {
            KeyValue owner = owner(name);
            java.util.Map<String, java.util.List<String>> waiters = new java.util.LinkedHashMap<>();
            queued(name, waiters);
            waiters.put(io.distlock.spi.LockState.WAITING, suffixes(waitingMarks(name)));
            waiters.put(io.distlock.spi.LockState.FAIR_QUEUE, suffixes(fairQueue(name)));
            for (String c : suffixes(conditionQueue(name))) {
                // length ":" condition "/" waiter
                int colon = c.indexOf(':');
                int length = Integer.parseInt(c.substring(0, colon));
                String condition = c.substring(colon + 1, colon + 1 + length);
                waiters.computeIfAbsent(io.distlock.spi.LockState.CONDITION + condition,
                        x -> new java.util.ArrayList<>()).add(c.substring(colon + 2 + length));
            }
            if (readWrite != null) {
                readWrite.describe(name, waiters);
            }
            return stateOf(name, owner, waiters);
        }

        @Override
        public io.distlock.spi.LockState forceRelease(String name, String expectedHolder) {
            KeyValue owner = owner(name);
            if (owner == null) {
                return null;
            }
            io.distlock.spi.LockState seen = stateOf(name, owner, java.util.Map.of());
            if (expectedHolder != null && !expectedHolder.equals(seen.holder())) {
                throw io.distlock.spi.LockState.heldByAnother(name, seen.holder(), expectedHolder);
            }
            // removeOwner compares what identifies this owner (its create revision, its lease):
            // a holder that came after the read is never removed
            return removeOwner(name, owner) ? seen : null;
        }

        @Override
        public java.util.Map<String, java.util.List<String>> forceReleaseReadWrite(String name,
                java.util.Collection<String> expectedHolders) {
            java.util.List<String> expected = io.distlock.spi.LockAdmin.requireHolders(expectedHolders);
            if (readWrite == null) {
                throw new UnsupportedOperationException(where + " has no read/write locks");
            }
            return readWrite.forceRelease(name, expected);
        }
    };

    private io.distlock.spi.LockState stateOf(String name, KeyValue owner,
                                               java.util.Map<String, java.util.List<String>> waiters) {
        if (owner == null) {
            return new io.distlock.spi.LockState(name, null, 0, -1, null, 0, waiters);
        }
        LeaseSnapshot lease = snapshotOf(owner, false);
        String value = owner.getValue().toString(java.nio.charset.StandardCharsets.UTF_8);
        String holder = value.isEmpty() ? "lease " + Long.toHexString(owner.getLease()) : value;
        return new io.distlock.spi.LockState(name, holder, fenceOf(owner), lease.remainingLeaseMillis(), null,
                owner.getCreateRevision(), waiters);
    }

    /** The rest of each key under {@code range}, oldest first. */
    java.util.List<String> suffixes(ByteSequence range) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (KeyValue kv : await(client.getKVClient().get(range, GetOption.builder().isPrefix(true).withKeysOnly(true)
                .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND).build()),
                "inspect").getKvs()) {
            out.add(kv.getKey().substring(range.size()).toString(java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    @Override
    public io.distlock.spi.LockAdmin admin() {
        return admin;
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
