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
 * A waiter watches the key just ahead of its own in the queue, and the lock key once it heads the
 * queue (FairWaiters), so that a release or a take wakes one waiter; an untimed tryLock() takes
 * a free lock without queueing, as on a fair ReentrantLock.
 *
 * Release works from the token alone, so it also removes the key of an acquisition whose answer
 * was lost (the key would otherwise live as long as the session, that is for ever). A request of
 * that acquisition still under way when the release runs first must then write nothing: the
 * release records the token as given up and every acquire transaction checks the record (see
 * TokenTombstones).
 *
 * Waiters watch the key from the server's present, and the engine tries again once the server
 * has confirmed the watch, so a delete between the failed attempt and the watch is seen by that
 * attempt (a watch from an earlier revision is served late by etcd: see KeyWatch).
 *
 * Hand-over between processes (non-fair, watchdog on): a waiting acquisition that finds the lock
 * busy marks itself as waiting, prefix + "wx/" + length(name) + ":" + name + "/" + token on the
 * session lease (in the Else branch of its first busy attempt, and again if its session changed;
 * the mark goes with a dead JVM's session), and takes the mark off in the transaction that takes
 * the lock, or when it gives up or is cleaned up. A release reads the marks in its own
 * transaction; if someone waited, the releasing factory keeps the free lock from its own waiting
 * attempts for the hand-over window (HandOverReservations, marked with the tokens of the waiters
 * it is for), so that the waiter, which first has to hear the delete, is not beaten to it by the
 * releasing process one round trip away (without it the releasing process took the lock back 86%
 * of the time). A refused attempt marks the caller as waiting and reads the lock key and the
 * marks: a key there was taken by someone else since the release, and marks of none of the
 * waiters the reservation is for mean they all had their turn (or gave up): either ends the
 * reservation, and in the second case the attempt takes the free lock at once. A release seen by
 * the caller's watch after that read ends it too (someone else took the lock meanwhile); the
 * watch's confirmation does not (it did until 2026-12-07, which cut every reservation to a round
 * trip); a reservation made after the watch was (a background clean-up's release) is ended only
 * by the refused attempts. A refused waiter with a watch is woken by a timer once the reservation
 * and the grace of the waiters it was for are over, unless the lock was taken or released before.
 *
 * After a release only the waiter with the oldest mark tries at once; the others give it a grace
 * and try only if nobody took the lock (WaiterRanks): each attempt of a marked waiter reads the
 * marks older than its own.
 *
 *   acquire  txn: if createRevision(key) == 0 then put(key, token, lease) [, delete(mark)]
 *                 [else (if not given up) put(mark, token, session), count(marks)]
 *                 [else get(marks created before the token's own mark)]
 *   refused  txn: if not given up then put(mark, token, session), get(key), get(marks)
 *   release  txn: if value(key) == token then delete(key), get(marks) else delete(mark)
 * </pre>
 */
final class EtcdTxnBackend extends AbstractEtcdBackend {

    /** Lease of each held token: the shared session, or a lease of its own. */
    private final ConcurrentHashMap<String, EtcdSession> leases = new ConcurrentHashMap<>();

    /**
     * How the factory's locks order their waiters, chosen once at construction: queueing by
     * create revision (fair) or racing for the free key (non-fair).
     */
    private final Ordering ordering;
    /** What each fair waiter watches (see FairWaiters). */
    private final FairWaiters fairWaiters;
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
    /** Which marked waiter tries first after a release (see WaiterRanks); used while {@code reserves}. */
    private final WaiterRanks ranks;

    EtcdTxnBackend(Client client, boolean ownsClient, String prefix, Duration timeout, boolean watchdog,
                   String where, EtcdSessions sessions, boolean fair) {
        super(client, ownsClient, prefix, "x", timeout, watchdog, where, sessions);
        this.ordering = fair ? new Queueing() : new Racing();
        this.fairWaiters = new FairWaiters(client);
        this.givenUp = new TokenTombstones(prefix);
        this.reserves = !fair && watchdog;
        this.ranks = new WaiterRanks(client, sessions);
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

    /** One attempt to create the lock key if it is absent; {@code willWait}: marks the caller waiting if busy. */
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
            boolean[] marking = new boolean[1];
            r = sessions.withSession(deadline, s -> {
                used[0] = s;
                ByteSequence putMark = null;
                if (markIfBusy && !Long.valueOf(s.id()).equals(marked.get(token))) {
                    // noted before it is sent: a mark whose answer was lost is taken off like any other
                    marked.put(token, s.id());
                    putMark = mark(name, token);
                }
                marking[0] = putMark != null;
                ByteSequence markIt = putMark;
                // a marked waiter's busy attempt reads the marks older than its own (its rank;
                // keys, not a count: etcd counts a range before it applies the revision filter)
                long markedAt = markIfBusy && putMark == null ? ranks.markedAt(token) : 0;
                Op countAhead = markedAt > 0 ? Op.get(waitingMarks(name), GetOption.builder().isPrefix(true)
                        .withKeysOnly(true).withMaxCreateRevision(markedAt - 1).build()) : null;
                return givenUp.sending(token, s, () -> createIfAbsent(name, key, token, s, deadline, takeMarkOff,
                        markIt, countAhead));
            });
            lease = used[0];
            if (!r.isSucceeded() && markIfBusy) {
                noteRank(name, token, r, marking[0]);
            }
        } else {
            lease = sessions.grant(false, deadline);
            try {
                r = createIfAbsent(name, key, token, lease, deadline, null, null, null);
            } catch (LockBackendException e) {
                // the key may exist (a lost answer): revoking the lease deletes it too
                lease.revokeInBackground();
                throw e;
            }
        }
        long revision = r.getHeader().getRevision();
        if (r.isSucceeded()) {
            marked.remove(token);
            ranks.forget(token);
            leases.put(token, lease);
            return AcquireResult.acquired(revision, Math.max(lease.millisValidFrom(start), 0L));
        }
        if (!watchdog) {
            lease.revokeInBackground();
        }
        return AcquireResult.busy(-1);
    }

    /** Keys only, of every key under a prefix: the waiting marks of a name. */
    private static final GetOption MARKS = GetOption.builder().isPrefix(true).withKeysOnly(true).build();

    /**
     * Puts {@code token}'s waiting mark on lock {@code name} (the session's), and reads the lock
     * key and the name's waiting marks, in one transaction, unless the token was given up.
     */
    private TxnResponse markWaitingAndRead(String name, String token, long deadline) {
        ByteSequence mark = mark(name, token);
        boolean[] marking = new boolean[1];
        TxnResponse r = sessions.withSession(deadline, s -> {
            Op read = Op.get(key(name), GetOption.builder().withKeysOnly(true).build());
            Op marks = Op.get(waitingMarks(name), MARKS);
            if (Long.valueOf(s.id()).equals(marked.get(token))) {
                // marked on this session already (the engine tries again once it watches): a read
                marking[0] = false;
                return await(client.getKVClient().txn().If(givenUp.notGivenUp(token)).Then(read, marks).commit(),
                        deadline, "read");
            }
            // noted before it is sent: a mark whose answer was lost is taken off like any other
            marked.put(token, s.id());
            marking[0] = true;
            return givenUp.sending(token, s, () -> await(client.getKVClient().txn().If(givenUp.notGivenUp(token))
                    .Then(Op.put(mark, EtcdCalls.bytes(token), PutOption.builder().withLeaseId(s.id()).build()),
                            read, marks)
                    .commit(), deadline, "mark waiting"));
        });
        if (r.isSucceeded()) {
            rankFromMarks(name, token, r.getGetResponses().get(1).getKvs(), r.getHeader().getRevision());
        }
        return r;
    }

    /**
     * Notes waiter {@code token}'s rank from {@code marks}, every waiting mark of lock
     * {@code name} as read at {@code revision}: those created before its own. Its own mark's
     * create revision is read there, not taken from the transaction that put it: a put on a mark
     * left by an earlier session keeps the key's older create revision.
     */
    private void rankFromMarks(String name, String token, List<KeyValue> marks, long revision) {
        ByteSequence mine = mark(name, token);
        long markedAt = 0;
        for (KeyValue kv : marks) {
            if (kv.getKey().equals(mine)) {
                markedAt = kv.getCreateRevision();
            }
        }
        if (markedAt == 0) {
            return;   // not marked (any more): nothing to rank
        }
        int ahead = 0;
        for (KeyValue kv : marks) {
            if (kv.getCreateRevision() < markedAt) {
                ahead++;
            }
        }
        ranks.marked(token, markedAt, ahead, revision);
    }

    /** The tokens of the waiting marks in {@code marks} (a read of {@code name}'s marks), joined by commas. */
    private String waitingTokens(String name, io.etcd.jetcd.kv.GetResponse marks) {
        int start = waitingMarks(name).size();
        StringBuilder tokens = new StringBuilder();
        for (KeyValue kv : marks.getKvs()) {
            if (tokens.length() > 0) {
                tokens.append(',');
            }
            tokens.append(kv.getKey().substring(start).toString(java.nio.charset.StandardCharsets.UTF_8));
        }
        return tokens.toString();
    }

    /**
     * A waiting attempt while this factory reserves the released lock for other processes'
     * waiters: takes nothing, marks the caller as waiting, and reads the lock key and the waiting
     * marks. The reservation ends when someone else took the lock since the release (a key
     * there; or a release seen by the caller's watch, see watch), and when every waiter marked at
     * the release has taken its mark off (each took the lock, even if it released it again
     * before this read, or gave up): then this attempt takes a free lock at once. Otherwise the
     * caller waits for the window's rest.
     */
    private AcquireResult refused(String name, String token, long leaseMillis,
                                  io.distlock.internal.HandOverReservations.Reservation r, long timeoutNanos) {
        long left = r.millisLeft();
        long start = System.nanoTime();
        TxnResponse t = markWaitingAndRead(name, token, deadline(timeoutNanos));
        if (!t.isSucceeded() || !t.getGetResponses().get(0).getKvs().isEmpty()) {
            reservations.end(name, r);
            return AcquireResult.busy(-1);
        }
        java.util.Set<String> stillWaiting = new java.util.HashSet<>(
                java.util.Arrays.asList(waitingTokens(name, t.getGetResponses().get(1)).split(",")));
        for (String waiter : r.mark().split(",")) {
            if (stillWaiting.contains(waiter)) {
                // woken when the reservation ended and the waiters it is for had their grace too
                // (the caller's mark is the newest), unless someone took or released the lock
                // before: no attempt at the end of a window someone used
                return ranks.wakeAfter(token, r.nanosLeft() + WaiterRanks.GRACE_NANOS) ? AcquireResult.busy(-1)
                        : AcquireResult.busy(left);
            }
        }
        reservations.end(name, r);
        // the same call's budget, less what the read took
        long rest = timeoutNanos == Long.MAX_VALUE ? timeoutNanos : timeoutNanos - (System.nanoTime() - start);
        return rest > 0 ? acquireFree(name, token, leaseMillis, true, rest) : AcquireResult.busy(0);
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
        // what is ahead: on queueing, the two newest keys (this one and the one before it); later,
        // the newest key created before this one, or this key itself if its revision is unknown
        Long queuedAt = fairWaiters.queuedAt(token);
        Op ahead = queuedAt == null ? Op.get(mine, GetOption.builder().withKeysOnly(true).build())
                : Op.get(queue, GetOption.builder().isPrefix(true).withKeysOnly(true)
                        .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.DESCEND)
                        .withMaxCreateRevision(queuedAt - 1).withLimit(1).build());
        TxnResponse r = sessions.withSession(deadline, s -> givenUp.sending(token, s, () -> await(client.getKVClient().txn()
                .If(new Cmp(mine, Cmp.Op.EQUAL, CmpTarget.createRevision(0)), givenUp.notGivenUp(token))
                .Then(Op.put(mine, EtcdCalls.bytes(token), PutOption.builder().withLeaseId(s.id()).build()),
                        Op.get(queue, OLDEST), Op.get(key, GetOption.DEFAULT), Op.get(queue, NEWEST_TWO))
                .Else(Op.get(queue, OLDEST), Op.get(key, GetOption.DEFAULT), ahead)
                .commit(), deadline, "queue")));
        List<io.etcd.jetcd.kv.GetResponse> reads = r.getGetResponses();
        List<KeyValue> oldest = reads.get(0).getKvs();
        boolean head = !oldest.isEmpty() && oldest.get(0).getKey().equals(mine);
        FairWaiters.Target next = head ? FairWaiters.Target.key(key) : keyAhead(token, mine, queue, r, queuedAt);
        if (head && reads.get(1).getKvs().isEmpty()) {
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
                fairWaiters.forget(token);
                leases.put(token, used[0]);
                return AcquireResult.acquired(t.getHeader().getRevision(), Math.max(used[0].millisValidFrom(start), 0L));
            }
            if (!watchdog) {
                used[0].revokeInBackground();
            }
        }
        fairWaiters.watchNext(token, next);
        return AcquireResult.busy(-1);
    }

    /** The two newest keys of a range by create revision. */
    private static final GetOption NEWEST_TWO = GetOption.builder().isPrefix(true).withKeysOnly(true)
            .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.DESCEND)
            .withLimit(2).build();

    /**
     * What a queued waiter that does not head the queue watches, from its queueing transaction
     * {@code r}: the key just ahead of its own {@code mine}, or the whole queue while that is
     * unknown. Notes its own key's create revision when {@code r} tells it.
     */
    private FairWaiters.Target keyAhead(String token, ByteSequence mine, ByteSequence queue, TxnResponse r,
                                        Long queuedAt) {
        List<KeyValue> third = r.getGetResponses().get(2).getKvs();
        if (r.isSucceeded()) {
            // queued by this transaction: its key is the newest, the next newest is ahead
            fairWaiters.queued(token, r.getHeader().getRevision());
            return third.size() == 2 && third.get(0).getKey().equals(mine) ? FairWaiters.Target.key(third.get(1).getKey())
                    : FairWaiters.Target.range(queue);
        }
        if (queuedAt != null) {
            return third.isEmpty() ? FairWaiters.Target.range(queue) : FairWaiters.Target.key(third.get(0).getKey());
        }
        if (!third.isEmpty()) {
            // queued, but its revision not noted (not reached today: the engine takes a new token
            // after any failed attempt, and the queueing transaction notes it): for the next attempt
            fairWaiters.queued(token, third.get(0).getCreateRevision());
        }
        return FairWaiters.Target.range(queue);
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
    private TxnResponse createIfAbsent(String name, ByteSequence key, String token, EtcdSession lease, long deadline,
                                       ByteSequence takeMarkOff, ByteSequence putMark, Op countAhead) {
        PutOption onLease = PutOption.builder().withLeaseId(lease.id()).build();
        Op put = Op.put(key, EtcdCalls.bytes(token), onLease);
        Cmp notGivenUp = givenUp.notGivenUp(token);
        io.etcd.jetcd.Txn txn = client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)), notGivenUp)
                .Then(takeMarkOff == null ? new Op[] {put} : new Op[] {put, Op.delete(takeMarkOff, DeleteOption.DEFAULT)});
        if (putMark != null) {
            // the mark, then every mark's key (the caller's rank: see noteRank)
            txn = txn.Else(Op.txn(new Cmp[] {notGivenUp},
                    new Op[] {Op.put(putMark, EtcdCalls.bytes(token), onLease), Op.get(waitingMarks(name), MARKS)},
                    new Op[0]));
        } else if (countAhead != null) {
            txn = txn.Else(countAhead);
        }
        return await(txn.commit(), deadline, "acquire");
    }

    /**
     * Notes the rank of waiter {@code token} from its busy acquire transaction {@code r}: the
     * marks it counted, and, if the transaction put its mark ({@code marking}), the mark's revision.
     */
    private void noteRank(String name, String token, TxnResponse r, boolean marking) {
        if (marking) {
            List<TxnResponse> nested = r.getTxnResponses();
            if (!nested.isEmpty() && !nested.get(0).getGetResponses().isEmpty()) {
                rankFromMarks(name, token, nested.get(0).getGetResponses().get(0).getKvs(), r.getHeader().getRevision());
            }
        } else if (!r.getGetResponses().isEmpty()) {
            ranks.seen(token, r.getGetResponses().get(0).getKvs().size(), r.getHeader().getRevision());
        }
    }

    @Override
    public void cancel(String name, String token) {
        ordering.cancel(name, token);
    }

    @Override
    public ReleaseResult release(String name, String token) {
        fairWaiters.forget(token);
        ranks.forget(token);   // local state: forgotten even if the release fails for good
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
                owned.add(Op.get(waitingMarks(name), MARKS));
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
        if (!reserves || r.getGetResponses().get(0).getKvs().isEmpty()) {
            // nobody marked: a waiter that does not mark itself (a fair factory's, one with the
            // watchdog off, one whose mark is still under way) may listen: the engine's courtesy
            // window gives it its turn if this JVM's threads are queued
            return ReleaseResult.RELEASED_WITH_LISTENERS;
        }
        // the reservation gives the marked waiters their turn (no courtesy window needed); it
        // names them, so that it ends once they have all had it
        reservations.reserve(name, waitingTokens(name, r.getGetResponses().get(0)));
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
        return ordering.watch(name, token, onRelease);
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

        /** Withdraws what a waiting acquisition left besides the lock key. */
        void cancel(String name, String token);

        /** The operations a release adds to withdraw a queued request of the token. */
        List<Op> withdrawal(String name, String token);

        /** The watch of a waiter. */
        ReleaseWatch watch(String name, String token, Runnable onRelease);
    }

    /** Non-fair: waiters race for the free key. */
    private final class Racing implements Ordering {
        @Override
        public AcquireResult acquireWaiting(String name, String token, long leaseMillis, long timeoutNanos) {
            io.distlock.internal.HandOverReservations.Reservation reserved = reserves ? reservations.current(name) : null;
            return reserved != null ? refused(name, token, leaseMillis, reserved, timeoutNanos)
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
            ranks.forget(token);
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
        public ReleaseWatch watch(String name, String token, Runnable onRelease) {
            if (!reserves) {
                return new KeyWatch(client, key(name), WatchOption.builder().withNoPut(true), onRelease);
            }
            // a release by someone else after the caller's refused attempt read the lock free
            // ends this factory's reservation: someone else took the lock since (the watch's
            // confirmation does not: it only says the watch is in place)
            io.distlock.internal.HandOverReservations.Reservation reserved = reservations.current(name);
            Runnable releaseSeen = reserved == null ? () -> { } : () -> reservations.end(name, reserved);
            // marked waiters: the oldest tries first (see WaiterRanks)
            return ranks.watch(token, key(name), releaseSeen, onRelease);
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
        public ReleaseWatch watch(String name, String token, Runnable onRelease) {
            // the key ahead, or the lock key at the head (see FairWaiters)
            return fairWaiters.watch(token, FairWaiters.Target.key(key(name)), onRelease);
        }
    }

    /** Waiting tokens with a rank noted (for tests). */
    int rankedTokens() {
        return ranks.size();
    }

    /** Releases after which a waiter tried at once / after its grace (for tests). */
    long[] waiterWakes() {
        return new long[] {ranks.immediateWakes(), ranks.gracedWakes()};
    }

    /** Tokens with a write whose answer has not come and no release since (for tests). */
    int unansweredTokens() {
        return givenUp.noted();
    }

    @Override
    void closeBackend() {
        // the session's revocation (by the base class) deletes every key still attached to it
    }

    /**
     * A watch of one key or range that runs the callback on a deletion, on a failure of the watch,
     * and once when the server confirms it.
     *
     * <pre>
     * It starts at the server's present, never at an earlier revision: etcd serves a watch that
     * starts in the past ("unsynced") from a catch-up loop that runs every 100 ms, so a waiter
     * watching from the revision of its busy attempt heard a release up to 100 ms late whenever
     * anything was written in between (two JVMs handing a lock over made 51-54 acquisitions a
     * second that way, 160 with watches from the present: docs/benchmarks/2026-12-07-etcd-watch).
     * What a watch from the present cannot see, a release between the busy attempt and the
     * watch, the engine's next attempt does: the watch awaits the server's confirmation (the
     * created notification, which runs the callback) and the engine makes that attempt only
     * after it (ReleaseWatch.awaitsConfirmation), so every release after that attempt is
     * delivered. Nothing here blocks: a confirmation that is late only makes the engine re-check
     * on its short timer meanwhile, within the caller's deadline.
     * </pre>
     */
    static final class KeyWatch implements ReleaseWatch {
        private final Watch.Watcher watcher;
        private volatile boolean created;
        private volatile boolean ended;
        /** Closed here: jetcd completes the listener from close() itself, which is no news to tell. */
        private volatile boolean closed;

        KeyWatch(Client client, ByteSequence key, WatchOption.Builder option, Runnable onRelease) {
            this(client, key, option, revision -> onRelease.run(), onRelease, null);
        }

        /**
         * A watch that runs {@code onNews} with the server's revision on its confirmation (it
         * delivers what comes after that revision) and with 0 when it ends, {@code onDelete} on
         * each deletion and {@code onPut} (if not null; the option must let puts through) with the
         * revision of each put, in the server's order.
         */
        KeyWatch(Client client, ByteSequence key, WatchOption.Builder option, java.util.function.LongConsumer onNews,
                 Runnable onDelete, java.util.function.LongConsumer onPut) {
            Runnable onRelease = () -> onNews.accept(0);
            watcher = client.getWatchClient().watch(key, option.withCreateNotify(true).build(), Watch.listener(
                    response -> {
                        if (response.isCreatedNotify()) {
                            created = true;
                            // the next attempt, made after this, sees what went before
                            onNews.accept(response.getHeader().getRevision());
                        }
                        for (WatchEvent e : response.getEvents()) {
                            if (e.getEventType() == WatchEvent.EventType.DELETE) {
                                onDelete.run();
                            } else if (onPut != null && e.getEventType() == WatchEvent.EventType.PUT) {
                                onPut.accept(e.getKeyValue().getModRevision());
                            }
                        }
                    },
                    error -> {
                        ended = true;
                        if (!closed) {
                            onRelease.run();
                        }
                    },
                    () -> {
                        ended = true;
                        if (!closed) {
                            onRelease.run();
                        }
                    }));
        }

        /** Whether the watch failed, ended or was closed (a failed one is not resumed here). */
        boolean hasEnded() {
            return ended;
        }

        @Override
        public boolean isActive() {
            return created && !ended;
        }

        @Override
        public boolean awaitsConfirmation() {
            return !created && !ended;
        }

        @Override
        public void close() {
            closed = true;
            ended = true;
            watcher.close();
        }
    }
}
