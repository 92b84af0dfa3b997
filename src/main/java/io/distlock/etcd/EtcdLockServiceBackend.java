package io.distlock.etcd;

import io.distlock.LockBackendException;
import io.distlock.spi.AcquireResult;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The etcd back end built on etcd's lock service (the server-side mutex recipe), which queues
 * waiters first come, first served.
 *
 * <pre>
 * Lock name N lives under Q = prefix + "q/" + length(N) + ":" + N (see EtcdCalls.lockKey); its
 * queue is the keys Q/lease, the oldest (lowest create revision) holding the lock. Each
 * acquisition gets a lease of its own (the queue names a waiter's key after its lease, so two
 * acquisitions may not share one at the same time), kept alive while queued and, with the watchdog
 * on, while held; a lease no request under way can use serves the next acquisition.
 *
 *   first attempt    grant a lease, then one transaction that puts Q/lease and reads the head of
 *                    the queue: if it is this key, the lock is held (no waiting for anybody);
 *                    otherwise tryLock() revokes the lease at once (nothing stays queued), and
 *                    a waiting acquisition sends the Lock RPC with the same lease, which finds
 *                    the key already queued and keeps its place; the engine parks until the RPC
 *                    completes, and the next tryAcquire reports the outcome
 *   release          revoke the lease: deletes the owner key, which wakes the next waiter (or,
 *                    for an acquisition that sent no Lock call, delete the key and keep the lease)
 *   withdraw         cancel the RPC and revoke the lease (also deletes a key granted meanwhile)
 *   renew            the lease is alive and the owner key still exists
 *   fencing token    the revision of the transaction that found the key at the head, or the
 *                    revision at which the Lock RPC answered: monotonic per name
 *
 * Every acquisition's lease is recorded by token before anything is written with it, so a release
 * or withdrawal made from the token alone (after a lost answer) finds it. An entry is forgotten
 * only once the server has confirmed its revocation, so a retried release reaches the server.
 *
 * Round trips per uncontended lock+unlock: Txn, delete (with the watchdog on). An acquisition
 * taken by its first attempt never sent a Lock call with its lease, so no request under way can
 * write with it: its release deletes the key and gives the lease back for the next acquisition
 * (EtcdSessions.ownLease / giveBack), which then needs no grant. Any other acquisition's lease is
 * revoked (a Lock call may still be on its way: the revoke makes it write nothing).
 * </pre>
 */
final class EtcdLockServiceBackend extends AbstractEtcdBackend {

    /** How long a queued Lock call may go unanswered before the queue is checked for a lost handler. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Every acquisition with a lease on the server, queued, held or of unknown outcome, by token. */
    private final ConcurrentHashMap<String, Acquisition> acquisitions = new ConcurrentHashMap<>();

    EtcdLockServiceBackend(Client client, boolean ownsClient, String prefix, Duration timeout, boolean watchdog,
                           String where, EtcdSessions sessions) {
        super(client, ownsClient, prefix, "q", timeout, watchdog, where, sessions);
    }

    /** One acquisition: its lease, its Lock call while queued, its owner key once held. */
    private static final class Acquisition {
        final String name;
        final EtcdSession lease;
        volatile CompletableFuture<LockResponse> call;
        volatile long sentAt;
        volatile Runnable onComplete;
        volatile ByteSequence ownerKey;

        Acquisition(String name, EtcdSession lease) {
            this.name = name;
            this.lease = lease;
        }

        void send(CompletableFuture<LockResponse> next) {
            call = next;
            sentAt = System.nanoTime();
            Runnable r = onComplete;
            if (r != null) {
                next.whenComplete((v, e) -> r.run());
            }
        }
    }

    private ByteSequence waitersKey(String name) {
        return key(name).concat(EtcdCalls.bytes("/"));
    }

    private ByteSequence keyOf(Acquisition a) {
        return waitersKey(a.name).concat(EtcdCalls.bytes(Long.toHexString(a.lease.id())));
    }

    @Override
    public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                    long timeoutNanos) {
        EtcdCalls.beginAttempt();
        Acquisition a = acquisitions.get(token);
        if (a == null) {
            return firstAttempt(name, token, willWait, timeoutNanos);
        }
        CompletableFuture<LockResponse> call = a.call;
        if (call == null || !call.isDone()) {
            reviveIfStalled(a, deadline(timeoutNanos));
            return AcquireResult.busy(-1);
        }
        // the Lock call was sent by an earlier attempt: its failure is never "not sent"
        EtcdCalls.attemptReachedServer();
        LockResponse response;
        try {
            response = call.join();
        } catch (RuntimeException e) {
            throw EtcdCalls.failure(where + ": lock failed", e.getCause() != null ? e.getCause() : e);
        }
        long start = System.nanoTime();
        if (!watchdog) {
            // a fixed lease: one last renewal now, so that it runs a full TTL from about now, then
            // nobody renews it
            a.lease.stopKeepAlive();
            if (a.lease.refreshOnce(deadline(timeoutNanos), where) == Long.MIN_VALUE) {
                throw new LockBackendException(where + ": the lease of a queued lock ran out before it was granted",
                        null);
            }
        }
        a.ownerKey = response.getKey();
        return AcquireResult.acquired(response.getHeader().getRevision(), Math.max(a.lease.millisValidFrom(start), 0L));
    }

    /** Grants the lease and queues its key, deciding at once whether the key heads the queue. */
    private AcquireResult firstAttempt(String name, String token, boolean willWait, long timeoutNanos) {
        long start = System.nanoTime();
        long deadline = deadline(timeoutNanos);
        Acquisition a = new Acquisition(name, sessions.ownLease(deadline));
        acquisitions.put(token, a);
        ByteSequence mine = keyOf(a);
        TxnResponse r = await(client.getKVClient().txn()
                .Then(Op.put(mine, ByteSequence.EMPTY, PutOption.builder().withLeaseId(a.lease.id()).build()),
                        Op.get(waitersKey(name), GetOption.builder().isPrefix(true).withKeysOnly(true)
                                .withSortField(GetOption.SortTarget.CREATE)
                                .withSortOrder(GetOption.SortOrder.ASCEND).withLimit(1).build()))
                .commit(), deadline, "acquire");
        List<KeyValue> head = r.getGetResponses().get(0).getKvs();
        if (!head.isEmpty() && head.get(0).getKey().equals(mine)) {
            if (!watchdog) {
                a.lease.stopKeepAlive();
            }
            a.ownerKey = mine;
            return AcquireResult.acquired(r.getHeader().getRevision(), Math.max(a.lease.millisValidFrom(start), 0L));
        }
        if (!willWait) {
            // revoking deletes the key, which others may already queue behind: at once
            a.lease.revoke(deadline, where);
            acquisitions.remove(token);
            return AcquireResult.busy(-1);
        }
        a.send(client.getLockClient().lock(key(name), a.lease.id()));
        return AcquireResult.busy(-1);
    }

    /**
     * The server's Lock handler lives as long as the call: if the member serving it dies, the call
     * may hang while the waiter's key stays in the queue, kept alive by its lease, and blocks every
     * waiter behind it. So a call unanswered for a while is checked: if its key heads the queue
     * (it should have been answered) or is missing (the handler died before writing it), the call
     * is sent again with the same lease; the server's recipe finds the existing key and keeps its
     * place in the queue.
     */
    private void reviveIfStalled(Acquisition a, long deadline) {
        if (System.nanoTime() - a.sentAt < STALL_NANOS) {
            return;
        }
        ByteSequence mine = keyOf(a);
        // the head of the queue and my own key, read at one revision, within the caller's time
        List<io.etcd.jetcd.kv.GetResponse> r = await(client.getKVClient().txn().Then(
                Op.get(waitersKey(a.name), GetOption.builder().isPrefix(true).withKeysOnly(true)
                        .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND)
                        .withLimit(1).build()),
                Op.get(mine, GetOption.builder().withCountOnly(true).build())).commit(), deadline, "queue check")
                .getGetResponses();
        List<KeyValue> head = r.get(0).getKvs();
        boolean headsQueue = !head.isEmpty() && head.get(0).getKey().equals(mine);
        if (headsQueue || r.get(1).getCount() == 0) {
            a.send(client.getLockClient().lock(key(a.name), a.lease.id()));
        } else {
            a.sentAt = System.nanoTime();
        }
    }

    /**
     * Withdraws the acquisition of {@code token}: cancels its Lock call and revokes its lease,
     * which deletes its key whatever the server's handler did with it. The entry is forgotten
     * once the server confirmed (or said it no longer had the lease).
     */
    @Override
    public void cancel(String name, String token) {
        Acquisition a = acquisitions.get(token);
        if (a == null) {
            return;
        }
        CompletableFuture<LockResponse> call = a.call;
        if (call != null) {
            call.cancel(true);
        }
        a.lease.revoke(deadline(), where);
        acquisitions.remove(token, a);
    }

    @Override
    public ReleaseResult release(String name, String token) {
        Acquisition a = acquisitions.get(token);
        if (a == null) {
            return ReleaseResult.NOT_OWNED;
        }
        if (a.ownerKey == null) {
            // queued, or an acquisition whose outcome was unknown: withdrawn all the same
            cancel(name, token);
            return ReleaseResult.NOT_OWNED;
        }
        if (watchdog && a.call == null) {
            // taken by the first attempt, so no Lock call was ever sent with this lease: deleting
            // the key releases, and the lease, which no request under way can use, serves the
            // next acquisition (a Lock call, even one answered, may have been sent twice, see
            // reviveIfStalled: such a lease is revoked)
            long deleted = await(client.getKVClient().delete(a.ownerKey), "release").getDeleted();
            acquisitions.remove(token, a);
            if (deleted == 0) {
                a.lease.revokeQuietly(where);
                return ReleaseResult.NOT_OWNED;
            }
            sessions.giveBack(a.lease);
            return ReleaseResult.RELEASED_WITH_LISTENERS;
        }
        boolean had = a.lease.revoke(deadline(), where);
        acquisitions.remove(token, a);
        return had ? ReleaseResult.RELEASED_WITH_LISTENERS : ReleaseResult.NOT_OWNED;
    }

    private final EtcdConditions conditions = new EtcdConditions(this, new EtcdConditions.Ownership() {
        @Override
        public io.etcd.jetcd.op.Cmp guard(String name, String token) {
            Acquisition a = acquisitions.get(token);
            ByteSequence owner = a == null ? null : a.ownerKey;
            return owner == null ? null
                    : new io.etcd.jetcd.op.Cmp(owner, io.etcd.jetcd.op.Cmp.Op.GREATER,
                            io.etcd.jetcd.op.CmpTarget.version(0));
        }

        @Override
        public io.etcd.jetcd.op.Op release(String name, String token) {
            return io.etcd.jetcd.op.Op.delete(acquisitions.get(token).ownerKey,
                    io.etcd.jetcd.options.DeleteOption.DEFAULT);
        }

        @Override
        public void released(String name, String token) {
            // the owner key is gone (deleted by the transaction, which wakes the next in the
            // server's queue); its lease of its own is revoked here
            Acquisition a = acquisitions.remove(token);
            if (a != null) {
                a.lease.revokeQuietly(where);
            }
        }
    });

    @Override
    public io.distlock.spi.ConditionBackend conditions() {
        return conditions;
    }

    @Override
    public long renew(String name, String token, long leaseMillis) {
        Acquisition a = acquisitions.get(token);
        if (a == null || a.ownerKey == null) {
            return -1;
        }
        long sentAt = System.nanoTime();
        long until = a.lease.renewal(watchdog, deadline(), where);
        if (until == Long.MIN_VALUE) {
            return -1;
        }
        return count(a.ownerKey, false) > 0 ? a.lease.millisValidFrom(sentAt) : -1;
    }

    /**
     * The owner is the oldest key in the queue. Its fencing token is not stored on the server
     * (the revision of its acquisition is), so the snapshot leaves it unknown.
     */
    @Override
    public LeaseSnapshot inspect(String name) {
        List<KeyValue> kvs = await(client.getKVClient().get(waitersKey(name), GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND)
                .withLimit(1).build()), "inspect").getKvs();
        return kvs.isEmpty() ? LeaseSnapshot.free() : snapshotOf(kvs.get(0), false);
    }

    /** The holder: the oldest key of the server's queue. */
    @Override
    KeyValue owner(String name) {
        List<KeyValue> kvs = await(client.getKVClient().get(waitersKey(name), GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND)
                .withLimit(1).build()), "inspect").getKvs();
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    /**
     * Revokes the holder's lease, a lease of that acquisition alone: the server deletes its key
     * (which wakes the next in the queue), and the holder's renewal and release then find the
     * lease gone, so it is reported lost.
     */
    @Override
    boolean removeOwner(String name, KeyValue owner) {
        try {
            await(client.getLeaseClient().revoke(owner.getLease()), "force release");
            return true;
        } catch (LockBackendException e) {
            if (EtcdSession.isLeaseNotFound(e)) {
                return false;
            }
            throw e;
        }
    }

    /** The fencing token (the revision at which the holder got the lock) is not kept on the server. */
    @Override
    long fenceOf(KeyValue owner) {
        return 0;
    }

    @Override
    void queued(String name, java.util.Map<String, List<String>> waiters) {
        List<String> queue = new java.util.ArrayList<>(suffixes(waitersKey(name)));
        if (!queue.isEmpty()) {
            queue.remove(0);
        }
        List<String> leases = new java.util.ArrayList<>();
        queue.forEach(q -> leases.add("lease " + q));
        waiters.put(io.distlock.spi.LockState.LOCK_SERVICE_QUEUE, leases);
    }

    @Override
    public boolean isLocked(String name) {
        return count(waitersKey(name), true) > 0;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here a waiter is notified by the completion of its queued Lock call, which its attempt
     * sends: nothing can be watched before it.
     */
    @Override
    public boolean watchesBeforeRequest() {
        return false;
    }

    @Override
    public ReleaseWatch watch(String name, String token, Runnable onRelease) {
        Acquisition a = acquisitions.get(token);
        CompletableFuture<LockResponse> call = a == null ? null : a.call;
        if (call == null) {
            return CompletionWatch.NOT_QUEUED;
        }
        a.onComplete = onRelease;
        call.whenComplete((r, e) -> onRelease.run());
        return CompletionWatch.QUEUED;
    }

    /** The "watch" of a queued Lock call: its completion is the notification. */
    private enum CompletionWatch implements ReleaseWatch {
        /** A call is queued; its completion runs the callback. */
        QUEUED(true),
        /** Nothing is queued: the engine re-checks on its short timer. */
        NOT_QUEUED(false);

        private final boolean active;

        CompletionWatch(boolean active) {
            this.active = active;
        }

        @Override
        public boolean isActive() {
            return active;
        }

        @Override
        public void close() {
        }
    }

    @Override
    void closeBackend() {
        for (Acquisition a : acquisitions.values()) {
            CompletableFuture<LockResponse> call = a.call;
            if (call != null) {
                call.cancel(true);
            }
            a.lease.revokeQuietly(where);
        }
        acquisitions.clear();
    }
}
