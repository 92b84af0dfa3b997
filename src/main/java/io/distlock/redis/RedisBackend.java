package io.distlock.redis;

import io.distlock.LockBackendException;
import io.distlock.internal.HandOverReservations;
import io.distlock.internal.Threads;
import io.distlock.spi.AcquireResult;
import io.distlock.spi.LeaseSnapshot;
import io.distlock.spi.LockBackend;
import io.distlock.spi.ReleaseResult;
import io.distlock.spi.ReleaseWatch;
import io.distlock.spi.RequestAbandonedException;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * The Redis adapter of the lock SPI.
 *
 * <pre>
 * Keys, for lock name N under prefix P (one hash tag, so one Redis Cluster slot):
 *   P{N}        the lease: a string holding the owner token, with the lease as its TTL
 *   P{N}:fence  the last fencing token issued for N, kept for the fencing retention
 *   P{N}:fq     fair locks only: the queue of waiting tokens (a sorted set, by arrival)
 *   P{N}:fw:T   fair locks only: token T's place in the queue is alive (expires with its JVM)
 *   P{N}:g      tokens given up: a sorted set of the tokens whose acquisition ended with its
 *               outcome unknown (and of lost leases' tokens), recorded by the release that
 *               cleaned up after them and found nothing to delete, each for
 *               RedisScript.GIVEN_UP_MILLIS; an acquire request of such a token that reaches the
 *               server late is refused (the network or a frozen server held it back past the
 *               client's timeout, and the clean-up, sent on another connection, ran first)
 *   P{N}:w      who waits for N: the tokens of the waiting acquisitions that found N busy,
 *               each taken out when its acquisition takes N or gives up (the acquire script
 *               takes it out only for a token that may be in it: mayBeWaiting); lives the holder's
 *               lease (at least 1 s) + 1 s, never shortened; cleared by a non-fair release
 *               (with hand-over: one token taken from it, the one the lock is handed to)
 * Not on the server: the reservation of a non-fair lock released while someone waited (the
 *               release script says so). The releasing factory keeps such a lock from its own
 *               waiting acquisitions for the hand-over window (HandOverReservations), so that a waiter of
 *               another process, which first has to hear the release, is not beaten to it by the
 *               releasing process one round trip away; nobody else is refused, so the factory
 *               itself is the one place that needs to know. Its refused attempt goes to the
 *               server all the same (it marks the caller as waiting, and learns whether someone
 *               else took the lock meanwhile). The window is three of the factory's smoothed
 *               acquire round trips (the engine's one estimate, LockBackend.useRoundTripEstimate),
 *               between HandOverReservations.WINDOW_MIN_MILLIS and WINDOW_MAX_MILLIS. The last
 *               attempt of a timed acquisition, at its deadline, is not refused (see
 *               reservesReleasedLocksForOthers): a timed tryLock shorter than the window still
 *               takes a free lock
 * Hand-over (non-fair, RedisLockFactory.Builder.handOverToWaiters): a release for which someone
 *               waits sets P{N} to one waiter's token for the grant time and announces
 *               "g:TOKEN:FENCE"; nothing is reserved. The waiter's factory takes the grant from
 *               the announcement (grants) only if FENCE is above the fence counter its last busy
 *               answer reported (lastBusy: so the grant was set after that answer; one heard
 *               late, set before, may have run out and the lock moved on), counting it from
 *               that attempt's sending, and only if at least half of it is left; otherwise, or
 *               unheard, its next attempt finds P{N} holding its own token and takes it with a
 *               full lease and a new fencing token (acquire.lua). A waiter that gives up
 *               withdraws with the release script, which releases a grant it got.
 * Channel P{N} announces releases (channels are a namespace of their own); a fair lock's release
 * names the head of its queue, so that only the head tries again.
 * N is the name with braces and backslashes escaped (see LockKeys.hashTag), so the tag is never empty;
 * P may not contain braces, so the tag is always N.
 *
 * Acquire, release and renew are each one EVALSHA (EVAL once per server if the script is
 * missing), so one round trip each.
 *
 * Deadlines: a Jedis call is bounded only by the client's timeouts, fixed per connection: on a
 * frozen server it can wait for a pooled connection, then take two socket timeouts and a connect
 * timeout (the read times out, then the pool opens a replacement connection in the caller's
 * thread). So an attempt of a timed acquisition whose time left is shorter than that runs on a
 * helper thread and is given up when the time is out (its outcome is then unknown, and the engine
 * cleans up after it); attempts with more time than that, and calls with no deadline, run in the
 * caller's thread. For a client the factory creates, the bound is known (its pool waits at most
 * one socket timeout for a connection, or the pool wait the builder was given); for a client
 * given to the factory it is not, and every attempt of a timed acquisition runs on a helper
 * thread. The helper threads are bounded (RedisLockFactory.MAX_CALL_THREADS per factory, fewer
 * when the pool of a client the factory creates has fewer connections for them: more could only
 * wait for a connection), since a frozen server holds each of them for
 * up to a whole call's bound whatever its caller's deadline: an attempt that finds them all busy
 * waits for one within its own time and is not sent if none came free in time; one that finds
 * MAX_QUEUED_CALLS attempts waiting already fails at once (not permanent: the engine retries
 * within the deadline, or gives up).
 *
 * Errors: a failure to connect or a broken connection may pass and is retried; an error reply
 * that lasts (NOAUTH, WRONGPASS, NOPERM, READONLY, an unknown command, a key of the wrong type)
 * is permanent and fails at once, with what to fix.
 * </pre>
 */
final class RedisBackend implements LockBackend {

    final UnifiedJedis client;
    private final boolean ownsClient;
    private final String prefix;
    final String retentionMillis;
    /** Whether waiting acquisitions queue on the server (fair locks). */
    private final boolean fair;
    /**
     * How this factory's exclusive locks order waiters, chosen once at construction: queueing on
     * the server (fair) or racing with a reservation for other processes' waiters (non-fair).
     */
    private final Ordering ordering;
    /**
     * The reservations of the non-fair locks this factory released while someone waited, by lock
     * key, marked with the fence counter at the release (see HandOverReservations).
     */
    private final HandOverReservations reservations = new HandOverReservations();
    /**
     * Tokens of acquisitions that may be in a lock's set of those waiting (P{N}:w): an attempt of
     * theirs that waits was told to wait, or got no answer. Only these are taken out of the set
     * by the acquire script when they take the lock, which saves the uncontended acquisition a
     * command. A token leaves when its acquisition takes the lock, gives up (cancel) or is
     * cleaned up (release).
     */
    private final java.util.Set<String> mayBeWaiting = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * Hand-over (non-fair locks, RedisLockFactory.Builder.handOverToWaiters): how long a release
     * hands the lock to a waiter for (0: off). The waiter's factory takes the grant from the
     * release's announcement without a request, counting its lease from its own last busy
     * attempt (sent before the release ran), and the engine renews it at once.
     */
    private final long grantMillis;
    private final String grantArgument;
    /** Grants announced to this factory's waiting tokens, not taken yet: the fencing token, by token. */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> grants = new java.util.concurrent.ConcurrentHashMap<>();
    /** The last busy answer of each waiting token (hand-over only). */
    private final java.util.concurrent.ConcurrentHashMap<String, Busy> lastBusy = new java.util.concurrent.ConcurrentHashMap<>();
    /** The fence counter a busy answer reported, by token, until the caller notes the answer. */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> busyFence = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A busy answer of a waiting token: when its attempt was sent (System.nanoTime()) and the
     * fence counter when the server answered it. A hand-over with a greater fencing token was set
     * after that answer, so after the attempt was sent.
     */
    private record Busy(long sentAt, long fence) {
    }
    /** How long a fair waiter keeps its place in the queue without an attempt. */
    static final long FAIR_ALIVE_MILLIS = 6_000;
    private static final String FAIR_ALIVE = Long.toString(FAIR_ALIVE_MILLIS);
    private final String description;
    final ReleaseSubscriber subscriber;
    /** Whether the client is a Redis Cluster client: releases go out by sharded pub/sub. */
    private final boolean cluster;
    private final RedisConditions conditions = new RedisConditions(this);
    private final RedisAdmin admin;

    /** How long one Jedis call may block at most (from the client's timeouts), or Long.MAX_VALUE if unknown. */
    private final long maxCallNanos;
    /**
     * Runs the attempts of timed acquisitions that must not block past their deadline: at most
     * callThreads threads (RedisLockFactory.MAX_CALL_THREADS, or the pool's size if smaller; a
     * frozen server holds each for up to a call's whole bound), with at most MAX_QUEUED_CALLS
     * attempts waiting for one; an attempt whose caller has given up by the time a thread is
     * free is not sent.
     */
    private final ThreadPoolExecutor boundedCalls;
    private final int callThreads;
    /** The most attempts that wait for a helper thread; one more fails at once. */
    static final int MAX_QUEUED_CALLS = 256;

    /** Replicas that must acknowledge an acquisition or a renewal (0: none asked for). */
    private final int replicaAcks;
    /** How long the server waits for those acknowledgements (WAIT's timeout). */
    private final long replicaWaitMillis;

    RedisBackend(UnifiedJedis client, boolean ownsClient, String prefix, long retentionMillis,
                 String description, long maxCallNanos, boolean fair) {
        this(client, ownsClient, prefix, retentionMillis, description, maxCallNanos,
                RedisLockFactory.MAX_CALL_THREADS, fair, 0, 0, 0);
    }

    /**
     * @param grantMillis how long a non-fair release hands the lock to a waiter for (0: no
     *        hand-over; a fair factory, or one that asks replicas to acknowledge writes, hands nothing over)
     */
    RedisBackend(UnifiedJedis client, boolean ownsClient, String prefix, long retentionMillis,
                 String description, long maxCallNanos, int callThreads, boolean fair, int replicaAcks,
                 long replicaWaitMillis, long grantMillis) {
        if (grantMillis < 0) {
            throw new IllegalArgumentException("grantMillis must not be negative, was " + grantMillis);
        }
        if (grantMillis > 0 && (fair || replicaAcks > 0)) {
            throw new IllegalArgumentException("a hand-over needs a non-fair factory without replica acknowledgements; "
                    + (fair ? "this one is fair" : "this one asks " + replicaAcks + " replicas to acknowledge"));
        }
        this.grantMillis = grantMillis;
        this.grantArgument = Long.toString(grantMillis);
        if (callThreads < 1 || callThreads > RedisLockFactory.MAX_CALL_THREADS) {
            throw new IllegalArgumentException("callThreads must be between 1 and "
                    + RedisLockFactory.MAX_CALL_THREADS + ", was " + callThreads);
        }
        this.callThreads = callThreads;
        this.boundedCalls = new ThreadPoolExecutor(callThreads, callThreads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(MAX_QUEUED_CALLS), Threads.daemon("distlock-redis-call"));
        this.replicaAcks = replicaAcks;
        this.replicaWaitMillis = replicaWaitMillis;
        this.fair = fair;
        this.ordering = fair ? new Queueing() : new Racing();
        this.client = client;
        this.ownsClient = ownsClient;
        this.prefix = prefix;
        this.keyCache = new io.distlock.internal.NameCache<>(name -> LockKeys.of(prefix, name));
        this.retentionMillis = Long.toString(retentionMillis);
        this.description = description;
        this.admin = new RedisAdmin(this, prefix);
        java.util.function.IntFunction<redis.clients.jedis.Connection> slotRouting = slotRouting(client);
        this.cluster = slotRouting != null;
        this.subscriber = cluster ? new ShardedReleaseSubscriber(slotRouting, topologyRefresh(client))
                : new RedisReleaseSubscriber(client, prefix);
        if (grantMillis > 0) {
            subscriber.onGrant(this::granted);
        }
        this.maxCallNanos = maxCallNanos;
        boundedCalls.allowCoreThreadTimeOut(true);
    }

    /** How a Redis Cluster client reaches the master of a slot; {@code null} for other clients. */
    static java.util.function.IntFunction<redis.clients.jedis.Connection> slotRouting(UnifiedJedis client) {
        if (client instanceof redis.clients.jedis.RedisClusterClient) {
            return ((redis.clients.jedis.RedisClusterClient) client)::getConnectionFromSlot;
        }
        if (client instanceof redis.clients.jedis.JedisCluster) {
            return ((redis.clients.jedis.JedisCluster) client)::getConnectionFromSlot;
        }
        return null;
    }

    /** How a Redis Cluster client reads its slot map again. */
    private static Runnable topologyRefresh(UnifiedJedis client) {
        if (client instanceof redis.clients.jedis.RedisClusterClient) {
            return ((redis.clients.jedis.RedisClusterClient) client)::refreshClusterTopology;
        }
        return ((redis.clients.jedis.JedisCluster) client)::refreshClusterTopology;
    }

    /** How many helper threads the timed calls may run on at most (for tests). */
    int callThreads() {
        return callThreads;
    }

    /** How long one Jedis call may block at most, or Long.MAX_VALUE if unknown (for tests). */
    long maxCallNanos() {
        return maxCallNanos;
    }

    /** Whether the factory's locks are fair (their waiting acquisitions queue on the server). */
    boolean fair() {
        return fair;
    }

    /** How long a fair waiter keeps its place in a queue without an attempt, as a script argument. */
    static String fairAliveMillis() {
        return FAIR_ALIVE;
    }

    /** Whether the factory runs on Redis Cluster. */
    boolean cluster() {
        return cluster;
    }

    /**
     * Runs {@code call} so that it returns or fails within {@code timeoutNanos}: in the caller's
     * thread when the client's own timeouts already ensure it, else on a helper thread that is
     * abandoned when the time is out. When every helper thread is busy (a frozen server holds
     * them) the call waits for one within its time, and is not sent if none was free in time;
     * when too many calls wait already, it fails at once, with an error that is not permanent.
     * An interrupt does not abandon the wait; it is kept.
     */
    <T> T bounded(long timeoutNanos, java.util.function.Supplier<T> call) {
        if (timeoutNanos >= maxCallNanos) {
            return call.get();
        }
        long deadline = System.nanoTime() + timeoutNanos;
        java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
        try {
            boundedCalls.execute(() -> {
                if (System.nanoTime() - deadline >= 0) {
                    // the caller gave up while no helper was free: nothing was sent
                    f.completeExceptionally(new LockBackendException(description + ": not sent, no helper thread "
                            + "was free within the caller's time", null));
                    return;
                }
                try {
                    f.complete(call.get());
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (boundedCalls.isShutdown()) {
                return call.get();
            }
            // nothing was sent: the engine retries within the caller's time, or gives up
            throw new LockBackendException(description + ": not sent, every one of the factory's "
                    + callThreads + " helper threads for timed calls is busy and "
                    + MAX_QUEUED_CALLS + " calls wait for one (is the server frozen or cut off?)", e);
        }
        try {
            return Threads.getUninterruptibly(f, deadline);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw new LockBackendException(description + ": " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            // the helper thread's call goes on (or, if it has not started, is dropped); whoever
            // cleans up after it waits for its end
            throw new RequestAbandonedException(description + ": no answer within the "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms the caller had left", e, f);
        }
    }

    /** The keys and channels of recent names (building them costs every call otherwise). */
    private final io.distlock.internal.NameCache<LockKeys> keyCache;

    /** The keys and channels of {@code name}. */
    LockKeys keys(String name) {
        return keyCache.get(name);
    }

    @Override
    public AcquireResult tryAcquire(String name, String token, long leaseMillis, boolean willWait,
                                    long timeoutNanos) {
        // an acquisition that will not wait takes a free lock at once, fair or not, as
        // ReentrantLock.tryLock() does; one that waits goes as the ordering says
        AcquireResult handedOver = takeGrant(token);
        if (handedOver != null) {
            return handedOver;
        }
        LockKeys k = keys(name);
        long reply;
        // (the send time only matters to a hand-over: not read on the uncontended path otherwise)
        long sentAt = grantMillis > 0 ? System.nanoTime() : 0L;
        try {
            reply = willWait ? ordering.acquireWaiting(k, token, leaseMillis, timeoutNanos)
                    : acquire(k, token, leaseMillis, false, null, 0L, timeoutNanos);
        } catch (RuntimeException e) {
            if (willWait) {
                mayBeWaiting.add(token);   // the attempt may have run and marked it
            }
            throw e;
        }
        if (reply > 0) {
            forgetWaiting(token);
            // the key's TTL starts when the server runs the script, after the request was sent
            return AcquireResult.acquired(reply, leaseMillis);
        }
        Long fenceAtAnswer = grantMillis > 0 ? busyFence.remove(token) : null;
        if (willWait) {
            mayBeWaiting.add(token);
            if (fenceAtAnswer != null) {
                lastBusy.put(token, new Busy(sentAt, fenceAtAnswer));
            }
        }
        return AcquireResult.busy(reply == 0 ? 0 : reply == -1 ? -1 : -reply - 2);
    }

    /**
     * The grant a release announced to waiting {@code token}, as an acquisition, if one came, was
     * set after the token's last busy answer (its fencing token is above the counter that answer
     * reported: an announcement heard late, of a grant set before, may have run out and the lock
     * moved on), and enough of it is left: counted from the sending of that attempt, which the
     * grant came after. With less than half of it left, null: the next attempt takes the lock
     * with a full lease (acquire.lua finds it set to the token).
     */
    private AcquireResult takeGrant(String token) {
        if (grantMillis == 0) {
            return null;
        }
        Long fence = grants.remove(token);
        Busy busy = lastBusy.get(token);
        if (fence == null || busy == null || fence <= busy.fence()) {
            return null;
        }
        long left = grantMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - busy.sentAt()) - 1;
        if (left < grantMillis / 2) {
            return null;
        }
        forgetWaiting(token);
        return AcquireResult.handedOver(fence, left);
    }

    /** Called by the subscriber (and tests) for an announced hand-over to {@code token}, with its fencing token. */
    void granted(String token, long fence) {
        if (mayBeWaiting.contains(token)) {
            grants.put(token, fence);
            if (!mayBeWaiting.contains(token)) {
                grants.remove(token);   // its acquisition ended meanwhile (forgetWaiting)
            }
        }
    }

    /** A token's acquisition no longer waits: it took the lock, gave up, or is being cleaned up. */
    private void forgetWaiting(String token) {
        mayBeWaiting.remove(token);
        if (grantMillis > 0) {
            grants.remove(token);
            lastBusy.remove(token);
            busyFence.remove(token);
        }
    }

    /**
     * One attempt of the non-fair acquire script, refused if {@code reserved} is not null (the
     * factory's own reservation for other processes' waiters) unless someone else took the lock
     * since that reservation was made.
     */
    private long acquire(LockKeys k, String token, long leaseMillis, boolean willWait,
                         HandOverReservations.Reservation reserved, long reservedMillis, long timeoutNanos) {
        String waitingMark = mayBeWaiting.contains(token) ? "1" : "0";
        Object reply = bounded(timeoutNanos, () -> runReplicated(RedisScript.ACQUIRE,
                List.of(k.lock(), k.fence(), k.waiting(), k.givenUp()),
                List.of(token, Long.toString(leaseMillis), retentionMillis, willWait ? "1" : "0",
                        Long.toString(reservedMillis), reserved == null ? "0" : reserved.mark(), waitingMark,
                        grantMillis > 0 ? "1" : "0"),
                RedisBackend::acquired));
        if (reply instanceof List) {
            // busy, with the fence counter (hand-over): noted by tryAcquire with the attempt's send time
            List<?> busy = (List<?>) reply;
            busyFence.put(token, (Long) busy.get(1));
            return (Long) busy.get(0);
        }
        return (Long) reply;
    }

    /** The milliseconds left of this factory's reservation of {@code name} for others (0: none); for tests. */
    long reservedForOthersMillis(String name) {
        return reservations.millisLeft(keys(name).lock());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here it sizes the hand-over window of non-fair locks (three round trips).
     */
    @Override
    public void useRoundTripEstimate(java.util.function.LongSupplier roundTripNanos) {
        reservations.useRoundTripEstimate(roundTripNanos);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A non-fair Redis lock released while a waiter of another process was marked on the
     * server is reserved for that process for the hand-over window.
     */
    @Override
    public boolean reservesReleasedLocksForOthers() {
        return ordering.reservesReleasedLocksForOthers();
    }

    @Override
    public AcquireResult tryAcquireWithoutOvertaking(String name, String token, long leaseMillis, long timeoutNanos) {
        return ordering.acquireInTurn(name, token, leaseMillis, timeoutNanos);
    }

    @Override
    public ReleaseResult release(String name, String token) {
        ReleaseResult r = ordering.release(keys(name), token);
        forgetWaiting(token);
        return r;
    }

    @Override
    public void cancel(String name, String token) {
        ordering.cancel(keys(name), token);
        forgetWaiting(token);
    }

    /**
     * How the exclusive locks of a factory order their waiters: one of two types, chosen at
     * construction, as ReentrantLock chooses FairSync or NonfairSync.
     */
    private interface Ordering {
        /** One attempt of an acquisition that waits when busy; the script's reply. */
        long acquireWaiting(LockKeys k, String token, long leaseMillis, long timeoutNanos);

        /** tryLock(0, unit). */
        AcquireResult acquireInTurn(String name, String token, long leaseMillis, long timeoutNanos);

        ReleaseResult release(LockKeys k, String token);

        void cancel(LockKeys k, String token);

        ReleaseWatch watch(String channel, String token, Runnable onRelease);

        boolean reservesReleasedLocksForOthers();
    }

    /**
     * Non-fair: waiters race for a free lock; a release for which another process waited reserves
     * the lock for the hand-over window (the server holds it back from this factory's waiters).
     */
    private final class Racing implements Ordering {
        @Override
        public long acquireWaiting(LockKeys k, String token, long leaseMillis, long timeoutNanos) {
            HandOverReservations.Reservation reserved = reservations.current(k.lock());
            long reservedMillis = reserved == null ? 0L : reserved.millisLeft();
            long reply = acquire(k, token, leaseMillis, true, reserved, reservedMillis, timeoutNanos);
            if (reserved != null && reply != -2 - reservedMillis) {
                // not refused a free lock: it took the lock (someone else had taken it since the
                // release), or was told the holder's PTTL; either way someone else took the lock,
                // which ends the reservation (a PTTL equal to the window's rest keeps it to its end)
                reservations.end(k.lock(), reserved);
            }
            return reply;
        }

        @Override
        public AcquireResult acquireInTurn(String name, String token, long leaseMillis, long timeoutNanos) {
            return tryAcquire(name, token, leaseMillis, false, timeoutNanos);
        }

        @Override
        public ReleaseResult release(LockKeys k, String token) {
            // a release for which someone waited is announced, and this factory holds the lock
            // back from its own waiting attempts for the hand-over window
            long released = exclusiveRelease(k, token, true);
            if (released > 1) {
                reservations.reserve(k.lock(), Long.toString(released));   // the fence counter at the release
            }
            return released > 0 ? ReleaseResult.RELEASED : ReleaseResult.NOT_OWNED;
        }

        @Override
        public void cancel(LockKeys k, String token) {
            // out of the set of those waiting, so that the next release holds nothing back for it
            // (and hands nothing over to it); a hand-over it got meanwhile is released
            exclusiveRelease(k, token, false);
        }

        /** The non-fair release script: a release, or the withdrawal of a waiter ({@code release} false). */
        private long exclusiveRelease(LockKeys k, String token, boolean release) {
            return (Long) run(RedisScript.EXCLUSIVE_RELEASE, List.of(k.lock(), k.waiting(), k.givenUp(), k.fence()),
                    List.of(token, k.lock(), grantArgument, retentionMillis, release ? "1" : "0"));
        }

        @Override
        public ReleaseWatch watch(String channel, String token, Runnable onRelease) {
            return subscriber.watch(channel, onRelease);
        }

        @Override
        public boolean reservesReleasedLocksForOthers() {
            return true;
        }
    }

    /**
     * Fair: a waiting acquisition takes its place in the server's queue and the lock only at its
     * head; a release names the head, so that only the head tries again.
     */
    private final class Queueing implements Ordering {
        @Override
        public long acquireWaiting(LockKeys k, String token, long leaseMillis, long timeoutNanos) {
            return (Long) bounded(timeoutNanos, () -> runReplicated(RedisScript.FAIR_ACQUIRE,
                    List.of(k.lock(), k.fence(), k.fairQueue(), k.waiting(), k.givenUp()),
                    List.of(token, Long.toString(leaseMillis), retentionMillis, FAIR_ALIVE,
                            k.fairAlivePrefix(), k.lock()), RedisBackend::acquired));
        }

        @Override
        public AcquireResult acquireInTurn(String name, String token, long leaseMillis, long timeoutNanos) {
            LockKeys k = keys(name);
            long reply = (Long) bounded(timeoutNanos, () -> runReplicated(RedisScript.FAIR_ACQUIRE_IN_TURN,
                    List.of(k.lock(), k.fence(), k.fairQueue(), k.givenUp()),
                    List.of(token, Long.toString(leaseMillis), retentionMillis, k.fairAlivePrefix()),
                    RedisBackend::acquired));
            if (reply > 0) {
                return AcquireResult.acquired(reply, leaseMillis);
            }
            return AcquireResult.busy(reply == -1 ? -1 : Math.max(-reply - 2, 0));
        }

        @Override
        public ReleaseResult release(LockKeys k, String token) {
            // also removes a queued request of the token (an acquisition whose answer was lost)
            return releaseResult(fairRelease(k, token, true), k.lock());
        }

        @Override
        public void cancel(LockKeys k, String token) {
            fairRelease(k, token, false);
        }

        @Override
        public ReleaseWatch watch(String channel, String token, Runnable onRelease) {
            return subscriber.watch(channel, token, onRelease);
        }

        @Override
        public boolean reservesReleasedLocksForOthers() {
            return false;
        }
    }

    /**
     * The fair release script: a release ({@code release} true; a token owning nothing is then
     * recorded as given up) or the withdrawal of a waiter whose every attempt was answered.
     */
    private long fairRelease(LockKeys k, String token, boolean release) {
        return (Long) run(RedisScript.FAIR_RELEASE,
                List.of(k.lock(), k.fairQueue(), k.waiting(), k.givenUp()),
                List.of(token, k.lock(), k.fairAlivePrefix(), release ? "1" : "0"));
    }

    /** Reads a release script's answer: 0 not owned, else 1 + the subscribers told. */
    ReleaseResult releaseResult(long reply, String channel) {
        if (reply == 0) {
            return ReleaseResult.NOT_OWNED;
        }
        // receivers of the announcement, less this factory's own subscription
        long others = reply - 1 - subscriber.ownReceivers(channel);
        return others > 0 ? ReleaseResult.RELEASED_WITH_LISTENERS : ReleaseResult.RELEASED;
    }

    @Override
    public long renew(String name, String token, long leaseMillis) {
        Object reply = runReplicated(RedisScript.RENEW, List.of(keys(name).lock()),
                List.of(token, Long.toString(leaseMillis)), Long.valueOf(1L)::equals);
        return Long.valueOf(1L).equals(reply) ? leaseMillis : -1;
    }

    /** Whether an acquire script's answer says it took the lock (a fencing token). */
    private static boolean acquired(Object reply) {
        return reply instanceof Long && (Long) reply > 0;
    }

    /**
     * Runs a script that may write the lease and, when replica acknowledgements are asked for,
     * WAIT on the same connection right after it: an answer for which {@code wrote} holds counts
     * only once that many replicas have acknowledged the write. Fewer in time is a failure (the
     * write stands on the primary: the engine treats the outcome as unknown and gives the
     * acquisition back, and a renewal that keeps failing ends in a lost lease). Answers that wrote
     * nothing (the lock is busy) are returned as they are.
     */
    private Object runReplicated(RedisScript script, List<String> keys, List<String> args,
                                 java.util.function.Predicate<Object> wrote) {
        if (replicaAcks == 0) {
            return run(script, keys, args);
        }
        RedisScript s = cluster ? script.sharded : script;
        try {
            Object[] answer;
            try {
                answer = scriptThenWait(s, keys, args, true);
            } catch (JedisNoScriptException e) {
                answer = scriptThenWait(s, keys, args, false);
            }
            long acked = (Long) answer[1];
            if (wrote.test(answer[0]) && acked < replicaAcks) {
                throw new LockBackendException(description + ": only " + acked + " of the " + replicaAcks
                        + " replicas asked for acknowledged the write within " + replicaWaitMillis
                        + " ms (replicaAcknowledgements)", null);
            }
            return answer[0];
        } catch (JedisException e) {
            throw failure(e);
        }
    }

    /** The script and WAIT, pipelined on one connection (WAIT counts that connection's writes). */
    private Object[] scriptThenWait(RedisScript s, List<String> keys, List<String> args, boolean bySha) {
        try (redis.clients.jedis.AbstractPipeline p = client.pipelined()) {
            redis.clients.jedis.Response<Object> reply = bySha ? p.evalsha(s.sha1, keys, args) : p.eval(s.source, keys, args);
            redis.clients.jedis.Response<Long> acked = p.waitReplicas(keys.get(0), replicaAcks, replicaWaitMillis);
            p.sync();
            return new Object[] {reply.get(), acked.get()};
        }
    }

    @Override
    public LeaseSnapshot inspect(String name) {
        LockKeys k = keys(name);
        List<?> reply = (List<?>) run(RedisScript.INSPECT, List.of(k.lock(), k.fence()), List.of());
        long ttl = (Long) reply.get(0);
        return ttl == -2 ? LeaseSnapshot.free() : LeaseSnapshot.held(ttl, (Long) reply.get(1));
    }

    @Override
    public boolean isLocked(String name) {
        try {
            return client.exists(keys(name).lock());
        } catch (JedisException e) {
            throw failure(e);
        }
    }

    @Override
    public ReleaseWatch watch(String name, String token, Runnable onRelease) {
        return ordering.watch(keys(name).lock(), token, onRelease);
    }

    @Override
    public io.distlock.spi.ConditionBackend conditions() {
        return conditions;
    }

    @Override
    public io.distlock.spi.LockAdmin admin() {
        return admin;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        boundedCalls.shutdown();
        subscriber.close();
        if (ownsClient) {
            client.close();
        }
    }

    Object run(RedisScript script, List<String> keys, List<String> args) {
        if (cluster) {
            script = script.sharded;
        }
        try {
            try {
                return client.evalsha(script.sha1, keys, args);
            } catch (JedisNoScriptException e) {
                return client.eval(script.source, keys, args);
            }
        } catch (JedisException e) {
            throw failure(e);
        }
    }

    LockBackendException failure(JedisException e) {
        String fix = permanentCause(e);
        if (fix != null) {
            return new LockBackendException(description + ": " + e.getMessage() + " (" + fix + ")", e, true);
        }
        return new LockBackendException(description + ": " + e.getMessage(), e);
    }

    /**
     * What to fix, if {@code e} (or an exception it wraps) is an error reply that retrying cannot
     * cure; {@code null} for failures that may pass.
     */
    static String permanentCause(Throwable e) {
        String tls = io.distlock.internal.TlsFailures.permanentCause(e);
        if (tls != null) {
            return tls;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JedisAccessControlException) {
                return "the server refused the credentials or the permission: check the user, the password "
                        + "and the ACL rules (the commands and key patterns the lock needs are in the "
                        + "RedisLockFactory documentation)";
            }
            if (t instanceof JedisDataException && !(t instanceof JedisRedirectionException)
                    && !(t instanceof JedisBusyException) && !(t instanceof JedisNoScriptException)) {
                String m = String.valueOf(t.getMessage());
                if (m.startsWith("READONLY")) {
                    return "the server is a read-only replica: point the factory at the primary";
                }
                if (m.startsWith(RedisScript.GIVEN_UP_ERROR)
                        || m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("MASTERDOWN")
                        || m.startsWith("TRYAGAIN") || m.startsWith("CLUSTERDOWN") || m.startsWith("NOREPLICAS")
                        || m.startsWith("OOM") || m.startsWith("MISCONF")
                        || m.startsWith("ERR max number of clients")) {
                    return null;
                }
                return "the server rejected the request: a Redis 6.2 or later server is needed, and no other "
                        + "application may use keys under the lock prefix";
            }
        }
        return null;
    }
}
