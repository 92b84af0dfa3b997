package io.distlock.etcd;

import io.distlock.LockBackendException;
import io.distlock.spi.AcquireResult;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.LockBackend;
import io.distlock.spi.ReadWriteLockBackend;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The etcd adapter of read/write locks: a queue ordered by create revision, in the manner of
 * etcd's own read/write mutex recipe.
 *
 * <pre>
 * Keys, for read/write lock N under prefix P, with B = P + "rw/" + length(N) + ":" + N + "/"
 * (EtcdCalls.lockKey: names are prefix-free):
 *   B r/token   a reader, queued or holding
 *   B w/token   a writer, queued or holding
 *   B d/token   a reader that holds the read lock ahead of its place by revision: the write
 *               holder's own read (a downgrade, value "w:" + the writer's token), or a reader
 *               that read past queued writers (value "r:" + its token, see below)
 * Each key is attached to the factory's session lease (watchdog on) or to a lease of its own.
 *
 *   enqueue   one txn: put my key, count the keys that block me (readers: writers; writers:
 *             everyone), at the txn's revision R, which is my key's create revision
 *   holds     when no blocking key has a create revision below R and, for a writer, no
 *             downgraded reader (d/) exists at all
 *   re-check  one txn reads my own key and the blockers at one revision: if my key is gone or
 *             is not the one I created (my session expired or was replaced while I waited),
 *             I queue again with a new key rather than enter beside a writer who no longer
 *             waits for me; if nothing blocks me, a second txn rewrites my key only if it is
 *             still the one I created, and its revision is my fencing token
 *   wait      watch deletes of the blocking range from the present; the engine's next
 *             re-check waits for the server's confirmation of the watch and sees what went
 *             before (see EtcdTxnBackend.KeyWatch)
 *   release   delete my key (computed from the token, so an acquisition whose answer was lost
 *             is removed too, and a request of it that arrives later writes nothing: see
 *             TokenTombstones); give up: the same
 *   downgrade the write holder's reader puts B d/token in a txn guarded by its own writer key:
 *             granted at once. Writers queued behind the write holder were created before it,
 *             so they would not see it by revision: every writer waits for every d/ key.
 *   read past a reader's tryLock() that finds writers queued before its key, none of whom
 *             holds the lock, reads past them as ReentrantReadWriteLock.tryLock() does: one
 *             txn reads the oldest writer W, the oldest reader and every d/ key; if a key blocks
 *             W (a reader older than W, a d/ key older than W or not W's own downgrade) it
 *             blocks every writer, and a second txn, guarded by that key being still the one
 *             read and by my key, replaces my r/ key by B d/token. While the guard key lives no
 *             writer can hold, and from then on every writer waits for my d/ key. If nothing
 *             blocks W, W holds the lock or has been handed it (the oldest key holds), and the
 *             tryLock() fails. tryLock(0, unit) never reads past: it gives way to the writers
 *             queued before it, as ReentrantReadWriteLock's does.
 *
 * Fencing: every token is the revision of a write made after the acquisition was decided (the
 * enqueue, or the confirming rewrite), so it is greater than the token of every earlier holder,
 * whose key was deleted after its own token was issued.
 *
 * Fairness: first come, first served by create revision. A reader waits for every writer queued
 * before it, a writer for everyone queued before it, so neither readers nor writers can be
 * starved by waiting ones (a reader's tryLock() reads past queued writers, as the JDK's does).
 * </pre>
 */
final class EtcdReadWriteBackend implements ReadWriteLockBackend {

    private final Client client;
    private final String prefix;
    private final Duration timeout;
    private final boolean watchdog;
    private final String where;
    private final EtcdSessions sessions;
    /** Every queued or held key of this factory, by token. */
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    /** The token of this factory's current writer of each name (for downgrades). */
    private final ConcurrentHashMap<String, String> writers = new ConcurrentHashMap<>();
    /** The tokens whose late requests may not write (see TokenTombstones). */
    private final TokenTombstones givenUp;
    private final Side readSide = new Side(false, true);
    private final Side queuedReadSide = new Side(false, false);
    private final Side writeSide = new Side(true, false);

    EtcdReadWriteBackend(Client client, String prefix, Duration timeout, boolean watchdog, String where,
                         EtcdSessions sessions) {
        this.client = client;
        this.prefix = prefix;
        this.timeout = timeout;
        this.watchdog = watchdog;
        this.where = where;
        this.sessions = sessions;
        this.givenUp = new TokenTombstones(prefix);
    }

    @Override
    public LockBackend writeSide() {
        return writeSide;
    }

    @Override
    public LockBackend readSide() {
        return readSide;
    }

    /**
     * Readers that never count as this factory's writer's downgrade: they queue behind every
     * writer queued before them, this factory's own included (a fair factory's waiting readers).
     */
    @Override
    public LockBackend queuedReadSide() {
        return queuedReadSide;
    }

    private String base(String name) {
        return EtcdCalls.lockKey(prefix, "rw", name) + "/";
    }

    private ByteSequence keyOf(String name, String kind, String token) {
        return EtcdCalls.bytes(base(name) + kind + "/" + token);
    }

    private <T> T await(CompletableFuture<T> call, long deadline, String what) {
        return EtcdCalls.await(call, deadline, what, where);
    }

    private long deadline(long budgetNanos) {
        return EtcdCalls.deadline(timeout, budgetNanos);
    }

    /** A key of this factory in the queue. */
    private static final class Entry {
        final ByteSequence key;
        final EtcdSession lease;
        final long revision;

        Entry(ByteSequence key, EtcdSession lease, long revision) {
            this.key = key;
            this.lease = lease;
            this.revision = revision;
        }
    }

    /** An enqueue's result: the entry and how many keys block it. */
    private static final class Queued {
        final Entry entry;
        final long blocked;

        Queued(Entry entry, long blocked) {
            this.entry = entry;
            this.blocked = blocked;
        }
    }

    private final class Side implements LockBackend {
        private final boolean writer;
        /** Whether a reader of this side may go in beside this factory's writer (its downgrade). */
        private final boolean downgrades;
        private volatile EtcdConditions conditions;

        /** The write side's conditions (made on first use: the sides are made before the client is set). */
        @Override
        public io.distlock.spi.ConditionBackend conditions() {
            if (!writer) {
                return null;
            }
            EtcdConditions c = conditions;
            if (c == null) {
                c = newConditions();
                conditions = c;
            }
            return c;
        }

        Side(boolean writer, boolean downgrades) {
            this.writer = writer;
            this.downgrades = downgrades;
        }

        private EtcdConditions newConditions() {
            return new EtcdConditions(client, sessions, timeout, where,
                    name -> EtcdCalls.bytes(EtcdCalls.lockKey(prefix, "crw", name) + "/"),
                    new EtcdConditions.Ownership() {
                        @Override
                        public io.etcd.jetcd.op.Cmp guard(String name, String token) {
                            return new io.etcd.jetcd.op.Cmp(keyOf(name, "w", token), io.etcd.jetcd.op.Cmp.Op.GREATER,
                                    io.etcd.jetcd.op.CmpTarget.version(0));
                        }

                        @Override
                        public Op release(String name, String token) {
                            return Op.delete(keyOf(name, "w", token), DeleteOption.DEFAULT);
                        }

                        @Override
                        public void released(String name, String token) {
                            writers.remove(name, token);
                            Entry e = entries.get(token);
                            if (e != null) {
                                forget(token, e);
                            }
                        }
                    });
        }

        /** The keys that block this side: writers block readers; everyone blocks a writer. */
        private ByteSequence blockers(String name) {
            return EtcdCalls.bytes(base(name) + (writer ? "" : "w/"));
        }

        @Override
        public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                        long timeoutNanos) {
            // a reader's tryLock() reads past queued writers that do not hold the lock
            return acquire(name, token, willWait, !writer && !willWait, timeoutNanos);
        }

        /** tryLock(0, unit): as tryLock(), but a reader gives way to the writers queued before it. */
        @Override
        public AcquireResult tryAcquireWithoutOvertaking(String name, String token, long leaseMillis, long timeoutNanos) {
            return acquire(name, token, false, false, timeoutNanos);
        }

        private AcquireResult acquire(String name, String token, boolean willWait, boolean readPast,
                                      long timeoutNanos) {
            EtcdCalls.beginAttempt();
            long start = System.nanoTime();
            long deadline = deadline(timeoutNanos);
            Entry e = entries.get(token);
            if (e == null) {
                if (!writer && downgrades && writers.containsKey(name)) {
                    Entry d = downgrade(name, token, deadline);
                    if (d != null) {
                        return acquired(name, token, d, d.revision, start, deadline);
                    }
                }
                return decideQueued(name, token, enqueue(name, token, deadline), willWait, readPast, start, deadline);
            }
            List<GetResponse> seen = await(client.getKVClient().txn().Then(recheck(name, e)).commit(),
                    deadline, "re-check").getGetResponses();
            if (!stillMine(e, seen.get(0))) {
                // my key vanished while I waited (its lease expired or was revoked): whoever
                // queued after me no longer waits for me, so I must not enter on the old key
                forget(token, e);
                return decideQueued(name, token, enqueue(name, token, deadline), willWait, readPast, start, deadline);
            }
            long blocked = seen.get(1).getKvs().size() + (writer ? seen.get(2).getCount() : 0);
            if (blocked > 0) {
                return AcquireResult.busy(-1);
            }
            TxnResponse confirmed = confirm(e, token, deadline);
            if (!confirmed.isSucceeded()) {
                forget(token, e);
                return decideQueued(name, token, enqueue(name, token, deadline), willWait, readPast, start, deadline);
            }
            return acquired(name, token, e, confirmed.getHeader().getRevision(), start, deadline);
        }

        /** Rewrites my key if it is still the one I created: its revision is my fencing token. */
        private TxnResponse confirm(Entry e, String token, long deadline) {
            return await(client.getKVClient().txn()
                    .If(new Cmp(e.key, Cmp.Op.EQUAL, CmpTarget.createRevision(e.revision)))
                    .Then(Op.put(e.key, EtcdCalls.bytes(token), PutOption.builder().withLeaseId(e.lease.id()).build()))
                    .commit(), deadline, "confirm");
        }

        /**
         * A reader's tryLock() whose key found writers queued before it: reads past them unless
         * one holds the lock (see the class comment). Returns null if it does not get in.
         */
        private AcquireResult readPast(String name, String token, Entry e, long start, long deadline) {
            GetOption oldest = GetOption.builder().isPrefix(true).withSortField(GetOption.SortTarget.CREATE)
                    .withSortOrder(GetOption.SortOrder.ASCEND).withLimit(1).build();
            List<GetResponse> seen = await(client.getKVClient().txn().Then(
                    Op.get(EtcdCalls.bytes(base(name) + "w/"), oldest),
                    Op.get(EtcdCalls.bytes(base(name) + "r/"), oldest),
                    Op.get(EtcdCalls.bytes(base(name) + "d/"), GetOption.builder().isPrefix(true).build()))
                    .commit(), deadline, "read past").getGetResponses();
            List<KeyValue> writers = seen.get(0).getKvs();
            if (writers.isEmpty() || writers.get(0).getCreateRevision() > e.revision) {
                // the writers before me have gone meanwhile: my own key holds
                TxnResponse confirmed = confirm(e, token, deadline);
                return confirmed.isSucceeded()
                        ? acquired(name, token, e, confirmed.getHeader().getRevision(), start, deadline) : null;
            }
            KeyValue w = writers.get(0);
            String ownDowngrade = "w:" + w.getValue().toString(StandardCharsets.UTF_8);
            KeyValue blocker = null;
            List<KeyValue> readers = seen.get(1).getKvs();
            if (!readers.isEmpty() && readers.get(0).getCreateRevision() < w.getCreateRevision()) {
                blocker = readers.get(0);
            }
            for (KeyValue d : seen.get(2).getKvs()) {
                String value = d.getValue().toString(StandardCharsets.UTF_8);
                // a d/ key of unknown kind (written by a version that did not mark them) newer
                // than W may be W's own downgrade: it is not counted
                if (blocker == null && (d.getCreateRevision() < w.getCreateRevision() || value.startsWith("r:")
                        || (value.startsWith("w:") && !value.equals(ownDowngrade)))) {
                    blocker = d;
                }
            }
            if (blocker == null) {
                return null;   // the oldest writer holds the lock, or has been handed it
            }
            ByteSequence past = keyOf(name, "d", token);
            Cmp stillBlocked = new Cmp(blocker.getKey(), Cmp.Op.EQUAL, CmpTarget.createRevision(blocker.getCreateRevision()));
            Cmp stillMine = new Cmp(e.key, Cmp.Op.EQUAL, CmpTarget.createRevision(e.revision));
            java.util.function.Supplier<TxnResponse> write = () -> await(client.getKVClient().txn()
                    .If(stillBlocked, stillMine, givenUp.notGivenUp(token))
                    .Then(Op.put(past, EtcdCalls.bytes("r:" + token), PutOption.builder().withLeaseId(e.lease.id()).build()),
                            Op.delete(e.key, DeleteOption.DEFAULT))
                    .commit(), deadline, "read past");
            // a late request on the session must not write (see TokenTombstones); an own lease is
            // revoked after an unknown outcome
            TxnResponse r = watchdog ? givenUp.sending(token, e.lease, write) : write.get();
            if (!r.isSucceeded()) {
                return null;
            }
            Entry mine = new Entry(past, e.lease, r.getHeader().getRevision());
            entries.put(token, mine);
            return acquired(name, token, mine, mine.revision, start, deadline);
        }

        /** The reads of a re-check, at one revision: my key, the older blockers, and (writers) every d/ key. */
        private Op[] recheck(String name, Entry e) {
            Op mine = Op.get(e.key, GetOption.DEFAULT);
            Op older = Op.get(blockers(name), GetOption.builder().isPrefix(true).withKeysOnly(true)
                    .withMaxCreateRevision(e.revision - 1).build());
            if (!writer) {
                return new Op[] {mine, older};
            }
            Op downgraded = Op.get(EtcdCalls.bytes(base(name) + "d/"),
                    GetOption.builder().isPrefix(true).withCountOnly(true).build());
            return new Op[] {mine, older, downgraded};
        }

        private boolean stillMine(Entry e, GetResponse own) {
            if (own.getKvs().isEmpty()) {
                return false;
            }
            KeyValue kv = own.getKvs().get(0);
            return kv.getCreateRevision() == e.revision && kv.getLease() == e.lease.id();
        }

        private AcquireResult decideQueued(String name, String token, Queued q, boolean willWait, boolean readPast,
                                           long start, long deadline) {
            if (q.blocked == 0) {
                return acquired(name, token, q.entry, q.entry.revision, start, deadline);
            }
            if (readPast) {
                AcquireResult past = readPast(name, token, q.entry, start, deadline);
                if (past != null) {
                    return past;
                }
            }
            if (!willWait) {
                // tryLock(): nothing may stay queued (if this fails, the engine removes it later)
                deleteKeys(name, token, deadline);
                forget(token, q.entry);
            }
            return AcquireResult.busy(-1);
        }

        /** Puts this token's key and counts its blockers in one transaction. */
        private Queued enqueue(String name, String token, long deadline) {
            ByteSequence key = keyOf(name, writer ? "w" : "r", token);
            Op count = Op.get(blockers(name), GetOption.builder().isPrefix(true).withCountOnly(true).build());
            TxnResponse[] r = new TxnResponse[1];
            Entry e = put(key, token, token, deadline, null, count, r);
            // the count includes my own key when I am a writer (a writer's range is everyone)
            long blocked = r[0].getGetResponses().get(0).getCount() - (writer ? 1 : 0);
            return new Queued(e, blocked);
        }

        /**
         * The write holder's own reader: puts a d/ key, guarded by the writer's key being the one
         * this factory holds. Null if it is not (the write lease was lost): then it queues as any
         * reader.
         */
        private Entry downgrade(String name, String token, long deadline) {
            String w = writers.get(name);
            Entry we = w == null ? null : entries.get(w);
            if (we == null) {
                return null;
            }
            Cmp guard = new Cmp(we.key, Cmp.Op.EQUAL, CmpTarget.createRevision(we.revision));
            TxnResponse[] r = new TxnResponse[1];
            // the value names the write hold it is taken under (see readPast)
            return put(keyOf(name, "d", token), token, "w:" + w, deadline, guard, null, r);
        }

        /**
         * Writes {@code key}, holding {@code value}, with the factory's session (or a new lease of
         * its own), optionally guarded and with one read at the same revision; records the entry
         * by token.
         *
         * @return the entry, or null if the guard failed
         */
        private Entry put(ByteSequence key, String token, String value, long deadline, Cmp guard, Op read,
                          TxnResponse[] out) {
            EtcdSession own = watchdog ? null : sessions.grant(true, deadline);
            EtcdSession[] used = new EtcdSession[1];
            TxnResponse r;
            try {
                java.util.function.Function<EtcdSession, TxnResponse> write = s -> {
                    used[0] = s;
                    Op put = Op.put(key, EtcdCalls.bytes(value), PutOption.builder().withLeaseId(s.id()).build());
                    io.etcd.jetcd.Txn txn = client.getKVClient().txn();
                    txn = guard != null ? txn.If(guard, givenUp.notGivenUp(token)) : txn.If(givenUp.notGivenUp(token));
                    txn = read == null ? txn.Then(put) : txn.Then(put, read);
                    return await(txn.commit(), deadline, "enqueue");
                };
                // an own lease is revoked after an unknown outcome: no record is needed for it
                r = own != null ? write.apply(own)
                        : sessions.withSession(deadline, s -> givenUp.sending(token, s, () -> write.apply(s)));
            } catch (LockBackendException ex) {
                if (own != null) {
                    own.revokeInBackground();
                }
                throw ex;
            }
            out[0] = r;
            if (!r.isSucceeded()) {
                if (own != null) {
                    own.revokeInBackground();
                }
                return null;
            }
            Entry e = new Entry(key, used[0], r.getHeader().getRevision());
            entries.put(token, e);
            return e;
        }

        private AcquireResult acquired(String name, String token, Entry e, long fencingToken, long start,
                                       long deadline) {
            if (!watchdog) {
                // a fixed lease: renewed once now, then left to run out
                e.lease.stopKeepAlive();
                if (e.lease.refreshOnce(deadline, where) == Long.MIN_VALUE) {
                    throw new LockBackendException(where + ": the lease of a queued read/write lock ran out", null);
                }
            }
            if (writer) {
                writers.put(name, token);
            }
            return AcquireResult.acquired(fencingToken, Math.max(e.lease.millisValidFrom(start), 0L));
        }

        /** Forgets an entry whose key is gone; its own lease (watchdog off) is revoked. */
        private void forget(String token, Entry e) {
            entries.remove(token, e);
            if (!watchdog) {
                e.lease.revokeInBackground();
            }
        }

        /**
         * Deletes the key (or keys) of {@code token} on this side, and records the token as given
         * up if a write of it went unanswered (see TokenTombstones): the count deleted.
         */
        private long deleteKeys(String name, String token, long deadline) {
            ByteSequence queued = keyOf(name, writer ? "w" : "r", token);
            TxnResponse r = givenUp.releasing(token, record -> {
                List<Op> ops = new java.util.ArrayList<>();
                ops.add(Op.delete(queued, DeleteOption.DEFAULT));
                if (!writer) {
                    ops.add(Op.delete(keyOf(name, "d", token), DeleteOption.DEFAULT));
                }
                io.etcd.jetcd.Txn txn = client.getKVClient().txn();
                if (record == null) {
                    txn = txn.Then(ops.toArray(Op[]::new));
                } else {
                    // a token whose key (queued, or a reader's downgrade key) exists was applied
                    // already: only one with neither is recorded
                    Op[] deletes = ops.toArray(Op[]::new);
                    Op[] recorded = java.util.stream.Stream.concat(ops.stream(), java.util.stream.Stream.of(record))
                            .toArray(Op[]::new);
                    Op[] notQueued = writer ? recorded : new Op[] {Op.txn(
                            new Cmp[] {new Cmp(keyOf(name, "d", token), Cmp.Op.GREATER, CmpTarget.createRevision(0))},
                            deletes, recorded)};
                    txn = txn.If(new Cmp(queued, Cmp.Op.GREATER, CmpTarget.createRevision(0)))
                            .Then(deletes).Else(notQueued);
                }
                return await(txn.commit(), deadline, "release");
            });
            return deleted(r);
        }

        /** Keys a release transaction deleted, in its nested transaction too. */
        private long deleted(TxnResponse r) {
            return r.getDeleteResponses().stream().mapToLong(io.etcd.jetcd.kv.DeleteResponse::getDeleted).sum()
                    + r.getTxnResponses().stream().mapToLong(this::deleted).sum();
        }

        @Override
        public void cancel(String name, String token) {
            deleteKeys(name, token, deadline(Long.MAX_VALUE));
            Entry e = entries.get(token);
            if (e != null) {
                forget(token, e);
            }
        }

        @Override
        public ReleaseResult release(String name, String token) {
            if (writer) {
                writers.remove(name, token);
            }
            long deleted = deleteKeys(name, token, deadline(Long.MAX_VALUE));
            Entry e = entries.get(token);
            if (e != null) {
                forget(token, e);
            }
            return deleted > 0 ? ReleaseResult.RELEASED_WITH_LISTENERS : ReleaseResult.NOT_OWNED;
        }

        @Override
        public long renew(String name, String token, long leaseMillis) {
            Entry e = entries.get(token);
            if (e == null) {
                return -1;
            }
            long sentAt = System.nanoTime();
            long deadline = deadline(Long.MAX_VALUE);
            if (e.lease.renewal(watchdog, deadline, where) == Long.MIN_VALUE) {
                return -1;
            }
            long exists = await(client.getKVClient().get(e.key, GetOption.builder().withCountOnly(true).build()),
                    deadline, "renew").getCount();
            return exists == 1 ? e.lease.millisValidFrom(sentAt) : -1;
        }

        /**
         * The write side is held when the oldest key in the queue is a writer's and no downgraded
         * reader exists; the read side when a downgraded reader exists or the oldest key is a
         * reader's.
         */
        @Override
        public LeaseSnapshot inspect(String name) {
            long deadline = deadline(Long.MAX_VALUE);
            List<GetResponse> r = await(client.getKVClient().txn().Then(
                    Op.get(EtcdCalls.bytes(base(name)), GetOption.builder().isPrefix(true)
                            .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND)
                            .withLimit(1).build()),
                    Op.get(EtcdCalls.bytes(base(name) + "d/"), GetOption.builder().isPrefix(true)
                            .withCountOnly(true).build())).commit(), deadline, "inspect").getGetResponses();
            List<KeyValue> head = r.get(0).getKvs();
            long downgraded = r.get(1).getCount();
            if (head.isEmpty()) {
                return LeaseSnapshot.free();
            }
            KeyValue kv = head.get(0);
            boolean headIsWriter = kv.getKey().toString(StandardCharsets.UTF_8).startsWith(base(name) + "w/");
            boolean held = writer ? headIsWriter && downgraded == 0 : downgraded > 0 || !headIsWriter;
            if (!held) {
                return LeaseSnapshot.free();
            }
            long remaining = -1;
            if (kv.getLease() != 0) {
                long ttl = await(client.getLeaseClient().timeToLive(kv.getLease(), LeaseOption.DEFAULT), deadline,
                        "lease time-to-live").getTTL();
                remaining = ttl < 0 ? -1 : ttl * 1000;
            }
            // a writer's token is the revision of its last write to its key
            return LeaseSnapshot.held(remaining, writer ? kv.getModRevision() : 0);
        }

        @Override
        public boolean isLocked(String name) {
            return inspect(name).isLocked();
        }

        @Override
        public ReleaseWatch watch(String name, String token, Runnable onRelease) {
            // from the server's present; the engine's next attempt waits for the server's
            // confirmation of it (see KeyWatch) and sees what went before
            return new EtcdTxnBackend.KeyWatch(client, blockers(name),
                    WatchOption.builder().isPrefix(true).withNoPut(true), onRelease);
        }

        @Override
        public String describe() {
            return where;
        }

        @Override
        public void close() {
            // the factory's exclusive back end closes the client; the session is revoked there
        }
    }

    /**
     * Who holds read/write lock {@code name} and who waits, read at one revision: the oldest key
     * holds the write lock if it is a writer's and every d/ key is its own downgrade; otherwise
     * the readers hold it, every d/ key and the r/ keys older than the oldest writer's (a key
     * that holds may still wait for its owner's re-check to confirm it). Every other key waits.
     */
    private Holders holders(String name, long deadline) {
        String base = base(name);
        List<KeyValue> all = await(client.getKVClient().get(EtcdCalls.bytes(base), GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND).build()),
                deadline, "inspect").getKvs();
        KeyValue oldestWriter = null;
        List<KeyValue> downgraded = new java.util.ArrayList<>();
        for (KeyValue kv : all) {
            String rest = rest(base, kv);
            if (rest.startsWith("d/")) {
                downgraded.add(kv);
            } else if (oldestWriter == null && rest.startsWith("w/")) {
                oldestWriter = kv;
            }
        }
        KeyValue writer = null;
        if (!all.isEmpty() && all.get(0) == oldestWriter) {
            String own = "w:" + rest(base, oldestWriter).substring(2);
            writer = downgraded.stream().allMatch(d -> d.getValue().toString(StandardCharsets.UTF_8).equals(own))
                    ? oldestWriter : null;
        }
        List<KeyValue> readers = new java.util.ArrayList<>(downgraded);
        List<KeyValue> waiting = new java.util.ArrayList<>();
        for (KeyValue kv : all) {
            String rest = rest(base, kv);
            if (kv == writer || rest.startsWith("d/")) {
                continue;
            }
            boolean reads = writer == null && rest.startsWith("r/")
                    && (oldestWriter == null || kv.getCreateRevision() < oldestWriter.getCreateRevision());
            (reads ? readers : waiting).add(kv);
        }
        return new Holders(base, writer, readers, waiting);
    }

    private static String rest(String base, KeyValue kv) {
        return kv.getKey().toString(StandardCharsets.UTF_8).substring(base.length());
    }

    /** The keys of a read/write lock: its write holder (or null), its read holders, its waiters. */
    private record Holders(String base, KeyValue writer, List<KeyValue> readers, List<KeyValue> waiting) {
        String writerToken() {
            return writer == null ? null : rest(base, writer).substring(2);
        }

        List<String> readerTokens() {
            return readers.stream().map(kv -> rest(base, kv).substring(2)).toList();
        }

        boolean isHeld() {
            return writer != null || !readers.isEmpty();
        }
    }

    /**
     * Adds the holders and waiters of read/write lock {@code name} to an operator's view (see
     * {@link io.distlock.spi.LockState}): the tokens of the writer and of the readers that hold
     * it, then the waiting keys by kind and token ({@code w/T}, {@code r/T}) in their order.
     */
    void describe(String name, java.util.Map<String, List<String>> waiters) {
        Holders h = holders(name, deadline(Long.MAX_VALUE));
        waiters.put(io.distlock.spi.LockState.WRITER, h.writer() == null ? List.of() : List.of(h.writerToken()));
        waiters.put(io.distlock.spi.LockState.READERS, h.readerTokens());
        waiters.put(io.distlock.spi.LockState.READ_WRITE_QUEUE,
                h.waiting().stream().map(kv -> rest(h.base(), kv)).toList());
    }

    /**
     * The operator's forced release of read/write lock {@code name} (see
     * {@link io.distlock.spi.LockAdmin#forceReleaseReadWrite}): reads the holders, checks the
     * ones named, and deletes their keys in one transaction guarded by each key's create revision
     * (a key written since, by a later holder, is never deleted); the deletion wakes the waiters,
     * whose watches are on those keys, and their next tokens are later revisions. Reads again if
     * the transaction finds a key changed, a few times.
     *
     * @param expected the tokens to release, or null for every holder
     * @return the tokens released, by kind; empty if nobody held the lock
     */
    java.util.Map<String, List<String>> forceRelease(String name, List<String> expected) {
        long deadline = deadline(Long.MAX_VALUE);
        for (int attempt = 0; attempt < 5; attempt++) {
            Holders h = holders(name, deadline);
            if (!h.isHeld()) {
                return java.util.Map.of();
            }
            List<KeyValue> chosen = new java.util.ArrayList<>();
            if (expected == null) {
                if (h.writer() != null) {
                    chosen.add(h.writer());
                }
                chosen.addAll(h.readers());
            } else {
                for (String token : expected) {
                    KeyValue kv = token.equals(h.writerToken()) ? h.writer() : null;
                    int reader = h.readerTokens().indexOf(token);
                    if (kv == null && reader >= 0) {
                        kv = h.readers().get(reader);
                    }
                    if (kv == null) {
                        throw io.distlock.spi.LockState.heldByOthers(name, h.writerToken(), h.readerTokens(), expected);
                    }
                    chosen.add(kv);
                }
            }
            TxnResponse r = await(client.getKVClient().txn()
                    .If(chosen.stream().map(kv -> new Cmp(kv.getKey(), Cmp.Op.EQUAL,
                            CmpTarget.createRevision(kv.getCreateRevision()))).toArray(Cmp[]::new))
                    .Then(chosen.stream().map(kv -> Op.delete(kv.getKey(), DeleteOption.DEFAULT)).toArray(Op[]::new))
                    .commit(), deadline, "force release");
            if (r.isSucceeded()) {
                List<String> writer = new java.util.ArrayList<>();
                List<String> readers = new java.util.ArrayList<>();
                for (KeyValue kv : chosen) {
                    (kv == h.writer() ? writer : readers).add(rest(h.base(), kv).substring(2));
                }
                java.util.Map<String, List<String>> released = new java.util.LinkedHashMap<>();
                released.put(io.distlock.spi.LockState.WRITER, writer);
                released.put(io.distlock.spi.LockState.READERS, readers);
                return released;
            }
        }
        throw new IllegalStateException("read/write lock '" + name + "' kept changing while it was being released: "
                + "nothing released (inspect it again)");
    }

    /** Number of queued or held keys this factory keeps track of (for tests). */
    int trackedEntries() {
        return entries.size();
    }
}
