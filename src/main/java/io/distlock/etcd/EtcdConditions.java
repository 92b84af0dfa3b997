package io.distlock.etcd;

import io.distlock.spi.ConditionBackend;
import io.distlock.spi.ReleaseWatch;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Conditions of the etcd exclusive locks, for both flavours. A waiter is a key
 * {@code prefix + "c" + kind + "/" + len:name + "/" + len:condition + "/" + id} on the factory's
 * session lease (so it lives as long as its JVM's session), queued by create revision. Await is
 * one transaction guarded by the holder's ownership of the lock (the flavour's compare): put the
 * waiter key, delete the lock key. Signal reads the oldest waiters and deletes them in a
 * transaction with the same guard; a waiter watches its own key for that deletion.
 */
final class EtcdConditions implements ConditionBackend {

    /** How one flavour proves and gives up ownership of a lock inside a transaction. */
    interface Ownership {
        /** The compare that holds while {@code token} owns {@code name}, or null if it owns nothing. */
        Cmp guard(String name, String token);

        /** The operation that releases the lock (deletes its key). */
        Op release(String name, String token);

        /** Local book-keeping after a release made by a condition's transaction. */
        void released(String name, String token);
    }

    private final io.etcd.jetcd.Client client;
    private final EtcdSessions sessions;
    private final java.time.Duration timeout;
    private final String where;
    /** The key range of a lock's condition queues, ending in a slash. */
    private final java.util.function.Function<String, ByteSequence> queues;
    private final Ownership ownership;

    /** The conditions of an exclusive back end. */
    EtcdConditions(AbstractEtcdBackend etcd, Ownership ownership) {
        this(etcd.client, etcd.sessions, etcd.timeout, etcd.where, etcd::conditionQueue, ownership);
    }

    EtcdConditions(io.etcd.jetcd.Client client, EtcdSessions sessions, java.time.Duration timeout, String where,
                   java.util.function.Function<String, ByteSequence> queues, Ownership ownership) {
        this.client = client;
        this.sessions = sessions;
        this.timeout = timeout;
        this.where = where;
        this.queues = queues;
        this.ownership = ownership;
    }

    private long deadline() {
        return EtcdCalls.deadline(timeout, Long.MAX_VALUE);
    }

    private <T> T await(java.util.concurrent.CompletableFuture<T> call, String what) {
        return EtcdCalls.await(call, deadline(), what, where);
    }

    private long count(ByteSequence key, boolean asPrefix) {
        GetOption.Builder option = GetOption.builder().withCountOnly(true);
        if (asPrefix) {
            option.isPrefix(true);
        }
        return await(client.getKVClient().get(key, option.build()), "count").getCount();
    }

    private ByteSequence queue(String name, String condition) {
        return queues.apply(name).concat(EtcdCalls.bytes(condition.length() + ":" + condition + "/"));
    }

    private ByteSequence waiterKey(String name, String condition, String waiter) {
        return queue(name, condition).concat(EtcdCalls.bytes(waiter));
    }

    @Override
    public boolean enqueueAndRelease(String name, String token, String condition, String waiter, long aliveMillis) {
        ByteSequence key = waiterKey(name, condition, waiter);
        Cmp guard = ownership.guard(name, token);
        if (guard == null) {
            // not owned here: nothing was written, unless an earlier attempt queued the waiter
            // (its answer lost) and released the lock
            return count(key, false) > 0;
        }
        TxnResponse r = sessions.withSession(deadline(), s -> await(client.getKVClient().txn()
                .If(guard)
                .Then(Op.put(key, EtcdCalls.bytes("1"), PutOption.builder().withLeaseId(s.id()).build()),
                        ownership.release(name, token))
                .Else(Op.get(key, GetOption.builder().withCountOnly(true).build()))
                .commit(), "await"));
        // a retry after an unknown outcome finds the waiter already queued
        boolean queued = r.isSucceeded() || r.getGetResponses().get(0).getCount() > 0;
        if (queued) {
            ownership.released(name, token);
        }
        return queued;
    }

    @Override
    public List<String> signal(String name, String token, String condition, int count) {
        Cmp guard = ownership.guard(name, token);
        if (guard == null) {
            return null;
        }
        // a waiter that withdrew between the read and the transaction is not counted: read again
        for (int round = 0; round < 16; round++) {
            GetOption.Builder oldest = GetOption.builder().isPrefix(true).withKeysOnly(true)
                    .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND);
            if (count != Integer.MAX_VALUE) {
                oldest.withLimit(count);
            }
            List<KeyValue> waiters = await(client.getKVClient().get(queue(name, condition), oldest.build()),
                    "read waiters").getKvs();
            List<Op> wake = new ArrayList<>();
            for (KeyValue kv : waiters) {
                wake.add(Op.delete(kv.getKey(), DeleteOption.DEFAULT));
            }
            TxnResponse r = await(client.getKVClient().txn().If(guard).Then(wake.toArray(Op[]::new))
                    .commit(), "signal");
            if (!r.isSucceeded()) {
                return null;
            }
            // one delete per waiter read, in the order read (oldest first): those that deleted a
            // record woke its waiter
            List<String> woken = new ArrayList<>();
            List<DeleteResponse> deleted = r.getDeleteResponses();
            ByteSequence prefix = queue(name, condition);
            for (int i = 0; i < deleted.size(); i++) {
                if (deleted.get(i).getDeleted() > 0) {
                    woken.add(waiters.get(i).getKey().substring(prefix.size()).toString(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            if (!woken.isEmpty() || waiters.isEmpty() || count == Integer.MAX_VALUE) {
                return woken;
            }
        }
        return List.of();
    }

    @Override
    public boolean withdraw(String name, String condition, String waiter) {
        ByteSequence key = waiterKey(name, condition, waiter);
        TxnResponse r = await(client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.GREATER, CmpTarget.version(0)))
                .Then(Op.delete(key, DeleteOption.DEFAULT))
                .commit(), "withdraw waiter");
        return r.isSucceeded();
    }

    @Override
    public boolean keepWaiting(String name, String condition, String waiter, long aliveMillis) {
        // the record lives on the session lease, which the factory keeps alive
        return count(waiterKey(name, condition, waiter), false) > 0;
    }

    @Override
    public int waiters(String name, String condition) {
        return (int) count(queue(name, condition), true);
    }

    @Override
    public ReleaseWatch watchSignal(String name, String condition, String waiter, Runnable onSignal) {
        return new EtcdTxnBackend.KeyWatch(client, waiterKey(name, condition, waiter),
                WatchOption.builder().withNoPut(true), onSignal);
    }
}
