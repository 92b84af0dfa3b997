package io.distlock.etcd;

import io.distlock.LockBackendException;
import io.distlock.spi.AcquireResult;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.options.GetOption;
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
 * Each acquisition gets a lease of its own (the lock service names the waiter's key after the
 * lease, so two acquisitions may not share one), kept alive while queued and, with the watchdog
 * on, while held. The Lock RPC puts prefix+name/lease and returns once every older waiter's key
 * is gone: the queue lives on the server.
 *
 *   waiting acquire  grant lease, start Lock RPC; the engine parks until the RPC completes
 *   tryLock()        count keys under prefix+name/; if none, grant + Lock RPC, bounded wait;
 *                    if that does not complete, withdraw
 *   release          revoke the lease: deletes the owner key, which wakes the next waiter
 *   withdraw         cancel the RPC and revoke the lease (also deletes a key granted meanwhile)
 *   renew            the lease is alive and the owner key still exists
 *   fencing token    the revision at which the Lock RPC answered: monotonic per name
 *
 * Round trips per uncontended lock+unlock: grant, Lock (the server then does its own put and
 * range), revoke.
 * </pre>
 */
final class EtcdLockServiceBackend extends AbstractEtcdBackend {

    /** Acquisitions queued on the server, by token. */
    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    /** Held locks, by token. */
    private final ConcurrentHashMap<String, Owned> owned = new ConcurrentHashMap<>();

    /** The factory's session, used only by its read/write locks; revoked on close. */
    private final EtcdSessions sessions;

    EtcdLockServiceBackend(Client client, boolean ownsClient, String prefix, Duration timeout,
                           long leaseMillis, boolean watchdog, String where, EtcdSessions sessions) {
        super(client, ownsClient, prefix, timeout, leaseMillis, watchdog, where);
        this.sessions = sessions;
    }

    /** How long a queued Lock call may go unanswered before the queue is checked for a lost handler. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);

    private static final class Pending {
        final String name;
        final EtcdSession lease;
        volatile CompletableFuture<LockResponse> call;
        volatile long sentAt = System.nanoTime();
        volatile Runnable onComplete;

        Pending(String name, EtcdSession lease, CompletableFuture<LockResponse> call) {
            this.name = name;
            this.lease = lease;
            this.call = call;
        }

        void replace(CompletableFuture<LockResponse> next) {
            call = next;
            sentAt = System.nanoTime();
            Runnable r = onComplete;
            if (r != null) {
                next.whenComplete((v, e) -> r.run());
            }
        }
    }

    /**
     * The server's Lock handler lives as long as the call: if the member serving it dies, the call
     * may hang while the waiter's key stays in the queue, kept alive by its lease, and blocks every
     * waiter behind it. So a call unanswered for a while is checked: if its key heads the queue
     * (it should have been answered) or is missing (the handler died before writing it), the call
     * is sent again with the same lease; the server's recipe finds the existing key and keeps its
     * place in the queue.
     */
    private void reviveIfStalled(Pending p) {
        if (System.nanoTime() - p.sentAt < STALL_NANOS) {
            return;
        }
        ByteSequence mine = waitersKey(p.name).concat(EtcdCalls.bytes(Long.toHexString(p.lease.id())));
        List<KeyValue> head = await(client.getKVClient().get(waitersKey(p.name), GetOption.builder().isPrefix(true)
                .withKeysOnly(true).withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND)
                .withLimit(1).build()), "queue check").getKvs();
        boolean headsQueue = !head.isEmpty() && head.get(0).getKey().equals(mine);
        if (headsQueue || count(mine, false) == 0) {
            p.replace(client.getLockClient().lock(key(p.name), p.lease.id()));
        } else {
            p.sentAt = System.nanoTime();
        }
    }

    private static final class Owned {
        final EtcdSession lease;
        final ByteSequence ownerKey;

        Owned(EtcdSession lease, ByteSequence ownerKey) {
            this.lease = lease;
            this.ownerKey = ownerKey;
        }
    }

    @Override
    public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait) {
        Pending p = pending.get(token);
        if (p == null) {
            if (!willWait && count(waitersKey(name), true) > 0) {
                return AcquireResult.busy(-1);
            }
            EtcdSession lease = EtcdSession.grant(client, ttlSeconds, true, timeout, where);
            p = new Pending(name, lease, client.getLockClient().lock(key(name), lease.id()));
            pending.put(token, p);
            if (!willWait) {
                try {
                    p.call.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    // judged below
                }
                if (!p.call.isDone()) {
                    cancel(name, token);
                    return AcquireResult.busy(-1);
                }
            }
        }
        if (!p.call.isDone()) {
            reviveIfStalled(p);
            return AcquireResult.busy(-1);
        }
        pending.remove(token);
        LockResponse response;
        try {
            response = p.call.join();
        } catch (RuntimeException e) {
            p.lease.revokeQuietly(timeout, where);
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new LockBackendException(where + ": lock failed: " + cause.getMessage(), cause);
        }
        if (!watchdog) {
            // a fixed lease: one last renewal now, so that it runs at least a full TTL from the
            // engine's send time, then nobody renews it
            p.lease.stopKeepAlive();
            try {
                await(client.getLeaseClient().keepAliveOnce(p.lease.id()), "lease renewal");
            } catch (LockBackendException e) {
                p.lease.revokeQuietly(timeout, where);
                throw e;
            }
        }
        owned.put(token, new Owned(p.lease, response.getKey()));
        return AcquireResult.acquired(response.getHeader().getRevision());
    }

    private ByteSequence waitersKey(String name) {
        return key(name).concat(EtcdCalls.bytes("/"));
    }

    @Override
    public void cancel(String name, String token) {
        Pending p = pending.remove(token);
        if (p == null) {
            return;
        }
        p.call.cancel(true);
        // revoking deletes the waiter's key whatever the server's Lock handler had done with it
        p.lease.revokeQuietly(timeout, where);
    }

    @Override
    public ReleaseResult release(String name, String token) {
        Owned o = owned.remove(token);
        if (o == null) {
            cancel(name, token);
            return ReleaseResult.NOT_OWNED;
        }
        return o.lease.revoke(timeout, where) ? ReleaseResult.RELEASED_WITH_LISTENERS : ReleaseResult.NOT_OWNED;
    }

    @Override
    public long renew(String name, String token, long leaseMillis) {
        Owned o = owned.get(token);
        if (o == null) {
            return -1;
        }
        long sentAt = System.nanoTime();
        long granted = o.lease.renewal(watchdog, timeout, where);
        if (granted < 0) {
            return -1;
        }
        return count(o.ownerKey, false) > 0 && o.lease.isAlive() ? sinceSent(granted, sentAt) : -1;
    }

    /**
     * The owner is the oldest key in the queue. Its fencing token is not stored on the server
     * (the Lock call's revision is), so the snapshot leaves it unknown.
     */
    @Override
    public LeaseSnapshot inspect(String name) {
        List<KeyValue> kvs = await(client.getKVClient().get(waitersKey(name), GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND)
                .withLimit(1).build()), "inspect").getKvs();
        return kvs.isEmpty() ? LeaseSnapshot.free() : snapshotOf(kvs.get(0), false);
    }

    @Override
    public boolean isLocked(String name) {
        return count(waitersKey(name), true) > 0;
    }

    @Override
    public ReleaseWatch watch(String name, String token, Runnable onRelease) {
        Pending p = pending.get(token);
        if (p == null) {
            return CompletionWatch.NOT_QUEUED;
        }
        p.onComplete = onRelease;
        p.call.whenComplete((r, e) -> onRelease.run());
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
        for (String token : pending.keySet()) {
            Pending p = pending.get(token);
            if (p != null) {
                cancel(p.name, token);
            }
        }
        for (Owned o : owned.values()) {
            o.lease.revokeQuietly(timeout, where);
        }
        owned.clear();
        sessions.close();
    }
}
