package io.distlock.etcd;

import io.distlock.LockBackendException;
import io.distlock.spi.AcquireResult;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The etcd back end built from transactions and leases.
 *
 * <pre>
 * Key prefix + "x/" + length(name) + ":" + name (see EtcdCalls.lockKey) holds the owner token and
 * is attached to a lease.
 *
 * With the watchdog on, every lock of the factory shares one session lease, granted when first
 * needed and kept alive in the background: no grant per acquisition. A renewal by the engine
 * checks that the session is still alive and the key still holds the token; the lease's validity
 * is the session's own (the send time of its last answered keep-alive plus its TTL), never the
 * acquisition's send time plus the lease time, which could outlive the server's lease by up to a
 * third of the TTL. When the session dies every lock held through it is reported lost at its next
 * renewal, and the next acquisition grants a new session. With the watchdog off, each acquisition
 * attempt gets a lease of its own that nobody renews.
 *
 *   acquire  txn: if createRevision(key) == 0 then put(key, token, lease)     1 round trip
 *   release  txn: if value(key) == token then delete(key)                     1 round trip
 *   renew    txn: if value(key) == token                                      1 round trip
 *   fencing token: the revision of the acquiring transaction, which is the key's create
 *   revision: monotonic per name (per cluster, in fact).
 *
 * Fair locks (LockOptions.fair) add a queue: prefix + "fx/" + length(name) + ":" + name + "/" +
 * token, one key per waiting acquisition, on the session lease (so a dead JVM's entries go with
 * its session). The oldest key by create revision is the head; only the head takes a free lock:
 *
 *   queue    txn: if createRevision(q) == 0 then put(q, session) ; get oldest(queue), get(key)
 *   take     txn: if createRevision(key) == 0 and q exists then put(key, token, lease), delete(q)
 *   release  txn: if value(key) == token then delete(key), delete(q) else delete(q)
 * The check that the token is the oldest and the take are two steps, which is safe: keys only
 * join the queue at its tail and only leave it, so the head stays the head until it leaves.
 * Waiters watch the lock key and the queue range; an untimed tryLock() takes a free lock without
 * queueing, as on a fair ReentrantLock.
 *
 * Release works from the token alone, so it also removes the key of an acquisition whose answer
 * was lost (the key would otherwise live as long as the session, that is for ever). A request of
 * that acquisition still under way when the release runs first must then write nothing: the
 * release records the token as given up and every acquire transaction checks the record (see
 * TokenTombstones).
 *
 * Waiters watch the key from the revision after the busy transaction, so a delete between the
 * failed attempt and the watch is still delivered. That revision is kept only between a busy
 * answer and the watch it is for.
 *
 * Hand-over between processes (non-fair, watchdog on): a waiting acquisition that finds the lock
 * busy marks itself as waiting, prefix + "wx/" + length(name) + ":" + name + "/" + token on the
 * session lease (in the Else branch of its first busy attempt, and again if its session changed;
 * the mark goes with a dead JVM's session), and takes the mark off in the transaction that takes
 * the lock, or when it gives up or is cleaned up. A release counts the marks in its own transaction; if
 * someone waited, the releasing factory keeps the free lock from its own waiting attempts for
 * the hand-over window (HandOverReservations, marked with the release's revision), so that the
 * waiter, which first has to hear the delete, is not beaten to it by the releasing process one
 * round trip away (without it the releasing process took the lock back 86% of the time). A
 * refused attempt marks the caller as waiting and reads the lock key: a key there was taken by
 * someone else since the release, which ends the reservation; and the caller watches from the
 * revision after the release, so a take and release by someone else in between ends it too.
 *
 *   acquire  txn: if createRevision(key) == 0 then put(key, token, lease) [, delete(mark)]
 *                 [else (if not given up) put(mark, token, session)]
 *   refused  txn: if not given up then put(mark, token, session), get(key)
 *   release  txn: if value(key) == token then delete(key), count(marks) else delete(mark)
 * </pre>
 */
final class EtcdTxnBackend extends AbstractEtcdBackend {

    /** Lease of each held token: the shared session, or a lease of its own. */
    private final ConcurrentHashMap<String, EtcdSession> leases = new ConcurrentHashMap<>();
    /** Revision seen by the last busy attempt of each waiting token, where its watch starts. */
    private final ConcurrentHashMap<String, Long> busyRevisions = new ConcurrentHashMap<>();

    /**
     * How the factory's locks order their waiters, chosen once at construction: queueing by
     * create revision (fair) or racing for the free key (non-fair).
     */
    private final Ordering ordering;
    /** The tokens whose late requests may not write (see TokenTombstones). */
    private final TokenTombstones givenUp;
    /** Whether released locks are reserved for other processes' waiters: non-fair with the watchdog on. */
    private final boolean reserves;
    /**
     * This factory's reservations of released locks for other processes' waiters, by name (see
     * above). A waiter hears a release through a watch, slower than the round trip: with the
     * least window of Redis (10 ms) the owner changed at 47-52% of acquisitions of two looping
     * processes, at 74% with this one (2 cores, loaded, 2026-12-07).
     */
    private final io.distlock.internal.HandOverReservations reservations =
            new io.distlock.internal.HandOverReservations(HAND_OVER_WINDOW_MIN_MILLIS);
    /** The least hand-over window. */
    static final long HAND_OVER_WINDOW_MIN_MILLIS = 30;
    /**
     * Tokens whose waiting mark may be on the server, with the session it was written on (a
     * waiter whose session was lost marks itself again on the new one): taken off when they
     * acquire, give up or are cleaned up.
     */
    private final ConcurrentHashMap<String, Long> marked = new ConcurrentHashMap<>();

    EtcdTxnBackend(Client client, boolean ownsClient, String prefix, Duration timeout, boolean watchdog,
                   String where, EtcdSessions sessions, boolean fair) {
        super(client, ownsClient, prefix, "x", timeout, watchdog, where, sessions);
        this.ordering = fair ? new Queueing() : new Racing();
        this.givenUp = new TokenTombstones(prefix);
        this.reserves = !fair && watchdog;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Non-fair locks with the watchdog on: a release that someone waited for keeps the lock
     * from this factory's waiting attempts for the hand-over window.
     */
    @Override
    public boolean reservesReleasedLocksForOthers() {
        return reserves;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here it sizes the hand-over window (three round trips).
     */
    @Override
    public void useRoundTripEstimate(java.util.function.LongSupplier roundTripNanos) {
        reservations.useRoundTripEstimate(roundTripNanos);
    }

    /** The milliseconds left of this factory's reservation of {@code name} for others (0: none); for tests. */
    long reservedForOthersMillis(String name) {
        return reservations.millisLeft(name);
    }

    /** The waiting mark of {@code token} on lock {@code name}. */
    private ByteSequence mark(String name, String token) {
        return waitingMarks(name).concat(EtcdCalls.bytes(token));
    }

    /** The head of a range by create revision: the oldest key. */
    private static final GetOption OLDEST = GetOption.builder().isPrefix(true)
            .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND)
            .withLimit(1).build();

    @Override
    public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                    long timeoutNanos) {
        EtcdCalls.beginAttempt();
        return willWait ? ordering.acquireWaiting(name, token, leaseMillis, timeoutNanos)
                : acquireFree(name, token, leaseMillis, false, timeoutNanos);
    }

    /** One attempt to create the lock key if it is absent; {@code willWait} keeps the busy revision for the watch. */
    private AcquireResult acquireFree(String name, String token, long leaseMillis, boolean willWait, long timeoutNanos) {
        long start = System.nanoTime();
        long deadline = deadline(timeoutNanos);
        ByteSequence key = key(name);
        EtcdSession lease;
        TxnResponse r;
        if (watchdog) {
            EtcdSession[] used = new EtcdSession[1];
            ByteSequence takeMarkOff = marked.containsKey(token) ? mark(name, token) : null;
            boolean markIfBusy = willWait && reserves;
            r = sessions.withSession(deadline, s -> {
                used[0] = s;
                ByteSequence putMark = null;
                if (markIfBusy && !Long.valueOf(s.id()).equals(marked.get(token))) {
                    // noted before it is sent: a mark whose answer was lost is taken off like any other
                    marked.put(token, s.id());
                    putMark = mark(name, token);
                }
                ByteSequence markIt = putMark;
                return givenUp.sending(token, s, () -> createIfAbsent(key, token, s, deadline, takeMarkOff, markIt));
            });
            lease = used[0];
        } else {
            lease = sessions.grant(false, deadline);
            try {
                r = createIfAbsent(key, token, lease, deadline, null, null);
            } catch (LockBackendException e) {
                // the key may exist (a lost answer): revoking the lease deletes it too
                lease.revokeInBackground();
                throw e;
            }
        }
        long revision = r.getHeader().getRevision();
        if (r.isSucceeded()) {
            busyRevisions.remove(token);
            marked.remove(token);
            leases.put(token, lease);
            return AcquireResult.acquired(revision, Math.max(lease.millisValidFrom(start), 0L));
        }
        if (!watchdog) {
            lease.revokeInBackground();
        }
        if (willWait) {
            busyRevisions.put(token, revision);
        }
        return AcquireResult.busy(-1);
    }

    /**
     * Puts {@code token}'s waiting mark on lock {@code name} (the session's) and reads the lock
     * key, in one transaction, unless the token was given up.
     */
    private TxnResponse markWaitingAndRead(String name, String token, long deadline) {
        ByteSequence mark = mark(name, token);
        return sessions.withSession(deadline, s -> {
            Op read = Op.get(key(name), GetOption.builder().withKeysOnly(true).build());
            if (Long.valueOf(s.id()).equals(marked.get(token))) {
                // marked on this session already (the engine tries again once it watches): a read
                return await(client.getKVClient().txn().If(givenUp.notGivenUp(token)).Then(read).commit(),
                        deadline, "read");
            }
            // noted before it is sent: a mark whose answer was lost is taken off like any other
            marked.put(token, s.id());
            return givenUp.sending(token, s, () -> await(client.getKVClient().txn().If(givenUp.notGivenUp(token))
                    .Then(Op.put(mark, EtcdCalls.bytes(token), PutOption.builder().withLeaseId(s.id()).build()), read)
                    .commit(), deadline, "mark waiting"));
        });
    }

    /**
     * A waiting attempt while this factory reserves the released lock for other processes'
     * waiters: takes nothing, marks the caller as waiting and reads the lock key. A key there was
     * taken by someone else since the release, which ends the reservation; otherwise the caller
     * waits for the window's rest, watching from the revision after the release (a take and
     * release by someone else in between ends the reservation, see watch).
     */
    private AcquireResult refused(String name, String token, io.distlock.internal.HandOverReservations.Reservation r,
                                  long timeoutNanos) {
        long left = r.millisLeft();
        TxnResponse t = markWaitingAndRead(name, token, deadline(timeoutNanos));
        boolean taken = !t.isSucceeded() || !t.getGetResponses().get(0).getKvs().isEmpty();
        if (taken) {
            reservations.end(name, r);
            busyRevisions.put(token, t.getHeader().getRevision());
            return AcquireResult.busy(-1);
        }
        busyRevisions.put(token, Long.parseLong(r.mark()));
        return AcquireResult.busy(left);
    }

    /**
     * A fair lock's tryLock(0, unit): takes a free lock only if nobody is queued, and never
     * queues. The queue is read first, then the lock taken as an untimed tryLock() does; a waiter
     * that queues between the two is overtaken, as one that reached the server a round trip
     * later would be.
     */
    @Override
    public AcquireResult tryAcquireWithoutOvertaking(String name, String token, long leaseMillis, long timeoutNanos) {
        EtcdCalls.beginAttempt();
        return ordering.acquireInTurn(name, token, leaseMillis, timeoutNanos);
    }

    /** The fair tryLock(0, unit): the queue read, then the lock taken only if nobody is queued. */
    private AcquireResult acquireIfNoneQueued(String name, String token, long leaseMillis, long timeoutNanos) {
        long start = System.nanoTime();
        List<KeyValue> oldest = await(client.getKVClient().get(fairQueue(name), OLDEST), deadline(timeoutNanos),
                "queue").getKvs();
        if (!oldest.isEmpty()) {
            return AcquireResult.busy(-1);
        }
        long left = timeoutNanos == Long.MAX_VALUE ? timeoutNanos : timeoutNanos - (System.nanoTime() - start);
        // the least time one attempt is given, as the engine gives every attempt
        return tryAcquire(name, token, leaseMillis, false, Math.max(left, TimeUnit.MILLISECONDS.toNanos(50)));
    }

    /**
     * Fair acquire: queues the token's key (on the session, so it goes with a dead JVM) if it is
     * not queued, reading the oldest queued key and the lock key in the same transaction; if the
     * token is the oldest and the lock is free, a second transaction takes the lock and dequeues
     * the token, provided the lock is still free and the token still queued. A key that vanished
     * with a lost session is queued again, at the tail.
     */
    private AcquireResult fairAcquire(String name, String token, long timeoutNanos) {
        long start = System.nanoTime();
        long deadline = deadline(timeoutNanos);
        ByteSequence key = key(name);
        ByteSequence queue = fairQueue(name);
        ByteSequence mine = queue.concat(EtcdCalls.bytes(token));
        TxnResponse r = sessions.withSession(deadline, s -> givenUp.sending(token, s, () -> await(client.getKVClient().txn()
                .If(new Cmp(mine, Cmp.Op.EQUAL, CmpTarget.createRevision(0)), givenUp.notGivenUp(token))
                .Then(Op.put(mine, EtcdCalls.bytes(token), PutOption.builder().withLeaseId(s.id()).build()),
                        Op.get(queue, OLDEST), Op.get(key, GetOption.DEFAULT))
                .Else(Op.get(queue, OLDEST), Op.get(key, GetOption.DEFAULT))
                .commit(), deadline, "queue")));
        List<io.etcd.jetcd.kv.GetResponse> reads = r.getGetResponses();
        List<KeyValue> oldest = reads.get(0).getKvs();
        long revision = r.getHeader().getRevision();
        if (!oldest.isEmpty() && oldest.get(0).getKey().equals(mine) && reads.get(1).getKvs().isEmpty()) {
            EtcdSession[] used = new EtcdSession[1];
            TxnResponse t;
            if (watchdog) {
                t = sessions.withSession(deadline, s -> {
                    used[0] = s;
                    return givenUp.sending(token, s, () -> takeFromQueue(key, mine, token, s, deadline));
                });
            } else {
                used[0] = sessions.grant(false, deadline);
                try {
                    t = takeFromQueue(key, mine, token, used[0], deadline);
                } catch (LockBackendException e) {
                    used[0].revokeInBackground();
                    throw e;
                }
            }
            if (t.isSucceeded()) {
                busyRevisions.remove(token);
                leases.put(token, used[0]);
                return AcquireResult.acquired(t.getHeader().getRevision(), Math.max(used[0].millisValidFrom(start), 0L));
            }
            if (!watchdog) {
                used[0].revokeInBackground();
            }
            revision = t.getHeader().getRevision();
        }
        busyRevisions.put(token, revision);
        return AcquireResult.busy(-1);
    }

    private TxnResponse takeFromQueue(ByteSequence key, ByteSequence mine, String token, EtcdSession lease,
                                      long deadline) {
        return await(client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)),
                        new Cmp(mine, Cmp.Op.GREATER, CmpTarget.createRevision(0)))
                .Then(Op.put(key, EtcdCalls.bytes(token), PutOption.builder().withLeaseId(lease.id()).build()),
                        Op.delete(mine, DeleteOption.DEFAULT))
                .commit(), deadline, "acquire");
    }

    /**
     * The acquire transaction. {@code takeMarkOff}: the token's waiting mark, deleted with the
     * take (or null); {@code putMark}: the token's waiting mark, put on {@code lease} if the lock
     * is busy (or null), in a nested transaction that writes nothing for a given-up token.
     */
    private TxnResponse createIfAbsent(ByteSequence key, String token, EtcdSession lease, long deadline,
                                       ByteSequence takeMarkOff, ByteSequence putMark) {
        PutOption onLease = PutOption.builder().withLeaseId(lease.id()).build();
        Op put = Op.put(key, EtcdCalls.bytes(token), onLease);
        io.etcd.jetcd.Txn txn = client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)), givenUp.notGivenUp(token))
                .Then(takeMarkOff == null ? new Op[] {put} : new Op[] {put, Op.delete(takeMarkOff, DeleteOption.DEFAULT)});
        if (putMark != null) {
            txn = txn.Else(Op.txn(new Cmp[] {givenUp.notGivenUp(token)},
                    new Op[] {Op.put(putMark, EtcdCalls.bytes(token), onLease)}, new Op[0]));
        }
        return await(txn.commit(), deadline, "acquire");
    }

    @Override
    public void cancel(String name, String token) {
        busyRevisions.remove(token);
        ordering.cancel(name, token);
    }

    @Override
    public ReleaseResult release(String name, String token) {
        busyRevisions.remove(token);
        ByteSequence key = key(name);
        TxnResponse r = givenUp.releasing(token, record -> {
            // a token that owns the key was applied already (its unanswered request was the take,
            // or the one before it: a token has one request under way at a time); one that does
            // not is recorded as given up, even when queued: the queue entry may be an earlier
            // attempt's, and the late one would put it back after this dequeue
            List<Op> owned = new java.util.ArrayList<>(List.of(Op.delete(key, DeleteOption.DEFAULT)));
            List<Op> notOwned = new java.util.ArrayList<>();
            // a fair lock also dequeues the token (an acquisition whose answer was lost, or given up)
            owned.addAll(ordering.withdrawal(name, token));
            notOwned.addAll(ordering.withdrawal(name, token));
            if (record != null) {
                notOwned.add(record);
            }
            if (reserves) {
                // who waits; and the mark of a waiting acquisition being cleaned up
                owned.add(Op.get(waitingMarks(name), GetOption.builder().isPrefix(true).withCountOnly(true).build()));
                notOwned.add(Op.delete(mark(name, token), DeleteOption.DEFAULT));
            }
            return await(client.getKVClient().txn()
                    .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(EtcdCalls.bytes(token))))
                    .Then(owned.toArray(Op[]::new)).Else(notOwned.toArray(Op[]::new)).commit(), "release");
        });
        marked.remove(token);
        EtcdSession lease = leases.remove(token);
        if (lease != null && !watchdog) {
            lease.revokeQuietly(where);
        }
        if (!r.isSucceeded()) {
            return ReleaseResult.NOT_OWNED;
        }
        if (!reserves || r.getGetResponses().get(0).getCount() == 0) {
            // nobody marked: a waiter that does not mark itself (a fair factory's, one with the
            // watchdog off, one whose mark is still under way) may listen: the engine's courtesy
            // window gives it its turn if this JVM's threads are queued
            return ReleaseResult.RELEASED_WITH_LISTENERS;
        }
        // the reservation gives the marked waiters their turn (no courtesy window needed)
        reservations.reserve(name, Long.toString(r.getHeader().getRevision()));
        return ReleaseResult.RELEASED;
    }

    private final EtcdConditions conditions = new EtcdConditions(this, new EtcdConditions.Ownership() {
        @Override
        public Cmp guard(String name, String token) {
            return new Cmp(key(name), Cmp.Op.EQUAL, CmpTarget.value(EtcdCalls.bytes(token)));
        }

        @Override
        public Op release(String name, String token) {
            return Op.delete(key(name), DeleteOption.DEFAULT);
        }

        @Override
        public void released(String name, String token) {
            busyRevisions.remove(token);
            EtcdSession lease = leases.remove(token);
            if (lease != null && !watchdog) {
                lease.revokeQuietly(where);
            }
        }
    });

    @Override
    public io.distlock.spi.ConditionBackend conditions() {
        return conditions;
    }

    @Override
    public long renew(String name, String token, long leaseMillis) {
        // an etcd lease's TTL is fixed at grant: the shared session is kept alive in the
        // background, a fixed lease is refreshed to its granted TTL
        EtcdSession lease = leases.get(token);
        if (lease == null) {
            return -1;
        }
        long sentAt = System.nanoTime();
        long until = lease.renewal(watchdog, deadline(), where);
        if (until == Long.MIN_VALUE) {
            return -1;
        }
        ByteSequence key = key(name);
        TxnResponse r = await(client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(EtcdCalls.bytes(token))))
                .commit(), "renew");
        return r.isSucceeded() ? lease.millisValidFrom(sentAt) : -1;
    }

    @Override
    public LeaseSnapshot inspect(String name) {
        List<KeyValue> kvs = await(client.getKVClient().get(key(name)), "inspect").getKvs();
        return kvs.isEmpty() ? LeaseSnapshot.free() : snapshotOf(kvs.get(0), true);
    }

    @Override
    KeyValue owner(String name) {
        List<KeyValue> kvs = await(client.getKVClient().get(key(name)), "inspect").getKvs();
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    /** One transaction: deletes the key only if it is still the one created at the owner's revision. */
    @Override
    boolean removeOwner(String name, KeyValue owner) {
        ByteSequence key = key(name);
        return await(client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(owner.getCreateRevision())))
                .Then(Op.delete(key, DeleteOption.DEFAULT))
                .commit(), "force release").isSucceeded();
    }

    @Override
    long fenceOf(KeyValue owner) {
        return owner.getCreateRevision();
    }

    @Override
    public boolean isLocked(String name) {
        return count(key(name), false) > 0;
    }

    @Override
    public ReleaseWatch watch(String name, String token, Runnable onRelease) {
        Long seen = busyRevisions.remove(token);
        WatchOption.Builder option = WatchOption.builder().withNoPut(true);
        if (seen != null) {
            option.withRevision(seen + 1);
        }
        io.distlock.internal.HandOverReservations.Reservation reserved = reserves ? reservations.current(name) : null;
        Runnable wake = onRelease;
        if (reserved != null) {
            // a release by someone else after this factory's own ends its reservation (the
            // watch of a refused attempt starts right after the reservation's release)
            wake = () -> {
                reservations.end(name, reserved);
                onRelease.run();
            };
        }
        KeyWatch lock = new KeyWatch(client, key(name), option.build(), wake);
        return ordering.watch(name, lock, seen, wake);
    }

    /** A fair waiter's watch: the lock key and the queue. */
    private ReleaseWatch watchWithQueue(String name, KeyWatch lock, Long seen, Runnable onRelease) {
        // a fair waiter also re-checks when a queued key goes (the head took the lock, gave up
        // or died): every waiter of the name is woken then
        WatchOption.Builder range = WatchOption.builder().withNoPut(true).isPrefix(true);
        if (seen != null) {
            range.withRevision(seen + 1);
        }
        KeyWatch queue = new KeyWatch(client, fairQueue(name), range.build(), onRelease);
        return new ReleaseWatch() {
            @Override
            public boolean isActive() {
                return lock.isActive() && queue.isActive();
            }

            @Override
            public void close() {
                lock.close();
                queue.close();
            }
        };
    }

    /**
     * How the factory's locks order their waiters: one of two types, chosen at construction, as
     * ReentrantLock chooses FairSync or NonfairSync.
     */
    private interface Ordering {
        /** One attempt of an acquisition that waits when busy. */
        AcquireResult acquireWaiting(String name, String token, long leaseMillis, long timeoutNanos);

        /** tryLock(0, unit). */
        AcquireResult acquireInTurn(String name, String token, long leaseMillis, long timeoutNanos);

        /** Withdraws what a waiting acquisition left besides the lock key (after busyRevisions). */
        void cancel(String name, String token);

        /** The operations a release adds to withdraw a queued request of the token. */
        List<Op> withdrawal(String name, String token);

        /** The watch of a waiter, given the lock key's. */
        ReleaseWatch watch(String name, KeyWatch lock, Long seen, Runnable onRelease);
    }

    /** Non-fair: waiters race for the free key. */
    private final class Racing implements Ordering {
        @Override
        public AcquireResult acquireWaiting(String name, String token, long leaseMillis, long timeoutNanos) {
            io.distlock.internal.HandOverReservations.Reservation reserved = reserves ? reservations.current(name) : null;
            return reserved != null ? refused(name, token, reserved, timeoutNanos)
                    : acquireFree(name, token, leaseMillis, true, timeoutNanos);
        }

        @Override
        public AcquireResult acquireInTurn(String name, String token, long leaseMillis, long timeoutNanos) {
            return acquireFree(name, token, leaseMillis, false, timeoutNanos);
        }

        @Override
        public void cancel(String name, String token) {
            // a non-fair waiter leaves nothing on the server but its waiting mark; forgotten only
            // once deleted, so that a withdrawal retried after a failure still deletes it
            Long session = marked.get(token);
            if (session != null) {
                await(client.getKVClient().delete(mark(name, token)), "withdraw");
                marked.remove(token, session);
            }
        }

        @Override
        public List<Op> withdrawal(String name, String token) {
            return List.of();
        }

        @Override
        public ReleaseWatch watch(String name, KeyWatch lock, Long seen, Runnable onRelease) {
            return lock;
        }
    }

    /** Fair: waiters queue by create revision; the oldest takes the free key. */
    private final class Queueing implements Ordering {
        @Override
        public AcquireResult acquireWaiting(String name, String token, long leaseMillis, long timeoutNanos) {
            return fairAcquire(name, token, timeoutNanos);
        }

        @Override
        public AcquireResult acquireInTurn(String name, String token, long leaseMillis, long timeoutNanos) {
            return acquireIfNoneQueued(name, token, leaseMillis, timeoutNanos);
        }

        @Override
        public void cancel(String name, String token) {
            // dequeues the token, and gives back a lock granted to it meanwhile
            release(name, token);
        }

        @Override
        public List<Op> withdrawal(String name, String token) {
            return List.of(Op.delete(fairQueue(name).concat(EtcdCalls.bytes(token)), DeleteOption.DEFAULT));
        }

        @Override
        public ReleaseWatch watch(String name, KeyWatch lock, Long seen, Runnable onRelease) {
            return watchWithQueue(name, lock, seen, onRelease);
        }
    }

    /** Tokens with a write whose answer has not come and no release since (for tests). */
    int unansweredTokens() {
        return givenUp.noted();
    }

    /** Number of busy revisions kept for watches not yet made (for tests). */
    int pendingWatchRevisions() {
        return busyRevisions.size();
    }

    @Override
    void closeBackend() {
        // the session's revocation (by the base class) deletes every key still attached to it
    }

    /** A watch of one key or range that runs the callback on a deletion or on a failure of the watch. */
    static final class KeyWatch implements ReleaseWatch {
        private final Watch.Watcher watcher;
        private volatile boolean active = true;

        KeyWatch(Client client, ByteSequence key, WatchOption option, Runnable onRelease) {
            watcher = client.getWatchClient().watch(key, option, Watch.listener(
                    response -> {
                        for (WatchEvent e : response.getEvents()) {
                            if (e.getEventType() == WatchEvent.EventType.DELETE) {
                                onRelease.run();
                            }
                        }
                    },
                    error -> {
                        active = false;
                        onRelease.run();
                    },
                    () -> {
                        active = false;
                        onRelease.run();
                    }));
        }

        @Override
        public boolean isActive() {
            return active;
        }

        @Override
        public void close() {
            active = false;
            watcher.close();
        }
    }
}
