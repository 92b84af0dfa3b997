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
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The etcd adapter of read/write locks: a queue ordered by create revision, in the manner of
 * etcd's own read/write mutex recipe.
 *
 * <pre>
 * Keys, for read/write lock N under prefix P (the length makes names prefix-free):
 *   P rw/len(N):N/r/token   a reader, queued or holding
 *   P rw/len(N):N/w/token   a writer, queued or holding
 * Each key is attached to the factory's session lease (watchdog on) or to a lease of its own.
 *
 *   enqueue   one txn: put my key, count the keys that block me (readers: writers; writers:
 *             everyone), at the txn's revision R, which is my key's create revision
 *   holds     when no blocking key has a create revision below R (the fencing token is R)
 *   wait      watch deletes of the blocking range from R + 1, then count again below R
 *   release   delete my key; give up: the same
 *
 * Fairness: first come, first served by create revision. A reader waits for every writer queued
 * before it, a writer for everyone queued before it, so neither readers nor writers can be
 * starved. A downgrading writer's own key does not block its reader.
 * </pre>
 */
final class EtcdReadWriteBackend implements ReadWriteLockBackend {

    private final Client client;
    private final String prefix;
    private final Duration timeout;
    private final long ttlSeconds;
    private final boolean watchdog;
    private final String where;
    private final EtcdSessions sessions;
    /** Every queued or held key of this factory, by token. */
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    /** The token of this factory's current writer of each name (for downgrades). */
    private final ConcurrentHashMap<String, String> writers = new ConcurrentHashMap<>();
    private final Side readSide = new Side(false);
    private final Side writeSide = new Side(true);

    EtcdReadWriteBackend(Client client, String prefix, Duration timeout, long ttlSeconds, boolean watchdog,
                         String where, EtcdSessions sessions) {
        this.client = client;
        this.prefix = prefix;
        this.timeout = timeout;
        this.ttlSeconds = ttlSeconds;
        this.watchdog = watchdog;
        this.where = where;
        this.sessions = sessions;
    }

    @Override
    public LockBackend writeSide() {
        return writeSide;
    }

    @Override
    public LockBackend readSide() {
        return readSide;
    }

    private String base(String name) {
        return prefix + "rw/" + name.length() + ":" + name + "/";
    }

    private <T> T await(java.util.concurrent.CompletableFuture<T> call, String what) {
        return EtcdCalls.await(call, timeout, what, where);
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

    private final class Side implements LockBackend {
        private final boolean writer;

        Side(boolean writer) {
            this.writer = writer;
        }

        /** The keys that block this side: writers block readers; everyone blocks a writer. */
        private ByteSequence blockers(String name) {
            return EtcdCalls.bytes(base(name) + (writer ? "" : "w/"));
        }

        /**
         * How many keys of the blocking range were created before {@code revision}. etcd applies
         * revision filters to the keys it returns but not to its count, so the keys are fetched
         * (keys only) and counted here.
         */
        private long blocking(String name, long revision) {
            GetResponse r = await(client.getKVClient().get(blockers(name), GetOption.builder().isPrefix(true)
                    .withKeysOnly(true).withMaxCreateRevision(revision - 1).build()), "count");
            return r.getKvs().size() - ownWriterBelow(name, revision);
        }

        /** 1 if this is a reader and this factory's own writer of the name is queued before it. */
        private long ownWriterBelow(String name, long revision) {
            if (writer) {
                return 0;
            }
            String w = writers.get(name);
            Entry e = w == null ? null : entries.get(w);
            return e != null && e.revision < revision ? 1 : 0;
        }

        @Override
        public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait) {
            Entry e = entries.get(token);
            if (e == null) {
                long[] blocked = new long[1];
                e = enqueue(name, token, blocked);
                if (blocked[0] == 0) {
                    return acquired(name, token, e);
                }
                if (!willWait) {
                    cancel(name, token);
                }
                return AcquireResult.busy(-1);
            }
            return blocking(name, e.revision) == 0 ? acquired(name, token, e) : AcquireResult.busy(-1);
        }

        /** Puts this token's key and counts its blockers (into {@code blocked}) in one transaction. */
        private Entry enqueue(String name, String token, long[] blocked) {
            ByteSequence key = EtcdCalls.bytes(base(name) + (writer ? "w/" : "r/") + token);
            EtcdSession own = watchdog ? null : EtcdSession.grant(client, ttlSeconds, true, timeout, where);
            EtcdSession[] used = new EtcdSession[1];
            TxnResponse r;
            try {
                java.util.function.Function<EtcdSession, TxnResponse> put = s -> {
                    used[0] = s;
                    return await(client.getKVClient().txn()
                            .Then(Op.put(key, EtcdCalls.bytes(token), PutOption.builder().withLeaseId(s.id()).build()),
                                    Op.get(blockers(name), GetOption.builder().isPrefix(true).withCountOnly(true).build()))
                            .commit(), "enqueue");
                };
                r = own != null ? put.apply(own) : sessions.withSession(put);
            } catch (LockBackendException ex) {
                if (own != null) {
                    own.revokeQuietly(timeout, where);
                }
                throw ex;
            }
            long revision = r.getHeader().getRevision();
            Entry e = new Entry(key, used[0], revision);
            entries.put(token, e);
            // the count includes my own key when I am a writer (a writer's range is everyone)
            long count = r.getGetResponses().get(0).getCount() - (writer ? 1 : 0);
            blocked[0] = count - ownWriterBelow(name, revision);
            return e;
        }

        private AcquireResult acquired(String name, String token, Entry e) {
            if (writer) {
                writers.put(name, token);
            }
            if (!watchdog) {
                // a fixed lease: renewed once now, then left to run out
                e.lease.stopKeepAlive();
                if (e.lease.refreshOnce(timeout, where) < 0) {
                    entries.remove(token);
                    throw new LockBackendException(where + ": the lease of a queued read/write lock ran out", null);
                }
            }
            return AcquireResult.acquired(e.revision);
        }

        @Override
        public void cancel(String name, String token) {
            Entry e = entries.remove(token);
            if (e == null) {
                return;
            }
            try {
                await(client.getKVClient().delete(e.key), "withdraw");
            } catch (RuntimeException ex) {
                // the key goes with its lease
            }
            if (!watchdog) {
                e.lease.revokeQuietly(timeout, where);
            }
        }

        @Override
        public ReleaseResult release(String name, String token) {
            if (writer) {
                writers.remove(name, token);
            }
            Entry e = entries.remove(token);
            if (e == null) {
                return ReleaseResult.NOT_OWNED;
            }
            long deleted = await(client.getKVClient().delete(e.key, DeleteOption.DEFAULT), "release").getDeleted();
            if (!watchdog) {
                e.lease.revokeQuietly(timeout, where);
            }
            return deleted == 1 ? ReleaseResult.RELEASED_WITH_LISTENERS : ReleaseResult.NOT_OWNED;
        }

        @Override
        public long renew(String name, String token, long leaseMillis) {
            Entry e = entries.get(token);
            if (e == null) {
                return -1;
            }
            long sentAt = System.nanoTime();
            long granted = e.lease.renewal(watchdog, timeout, where);
            if (granted < 0) {
                return -1;
            }
            long exists = await(client.getKVClient().get(e.key, GetOption.builder().withCountOnly(true).build()),
                    "renew").getCount();
            return exists == 1 && e.lease.isAlive() ? AbstractEtcdBackend.sinceSent(granted, sentAt) : -1;
        }

        /**
         * The lock is held by this side when the oldest key in the queue is of this side: the
         * writer at the head, or (for readers) at least the reader at the head.
         */
        @Override
        public LeaseSnapshot inspect(String name) {
            List<KeyValue> head = await(client.getKVClient().get(EtcdCalls.bytes(base(name)), GetOption.builder()
                    .isPrefix(true).withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND)
                    .withLimit(1).build()), "inspect").getKvs();
            if (head.isEmpty()) {
                return LeaseSnapshot.free();
            }
            KeyValue kv = head.get(0);
            boolean isWriter = kv.getKey().toString(java.nio.charset.StandardCharsets.UTF_8)
                    .startsWith(base(name) + "w/");
            if (isWriter != writer) {
                return LeaseSnapshot.free();
            }
            long remaining = -1;
            if (kv.getLease() != 0) {
                long ttl = await(client.getLeaseClient().timeToLive(kv.getLease(),
                        io.etcd.jetcd.options.LeaseOption.DEFAULT), "lease time-to-live").getTTL();
                remaining = ttl < 0 ? -1 : ttl * 1000;
            }
            return LeaseSnapshot.held(remaining, writer ? kv.getCreateRevision() : 0);
        }

        @Override
        public boolean isLocked(String name) {
            return inspect(name).isLocked();
        }

        @Override
        public ReleaseWatch watch(String name, String token, Runnable onRelease) {
            Entry e = entries.get(token);
            WatchOption.Builder option = WatchOption.builder().isPrefix(true).withNoPut(true);
            if (e != null) {
                option.withRevision(e.revision + 1);
            }
            return new EtcdTxnBackend.KeyWatch(client, blockers(name), option.build(), onRelease);
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
}
