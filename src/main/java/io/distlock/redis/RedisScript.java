package io.distlock.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A Lua script with its SHA-1, run by EVALSHA and loaded by EVAL only when the server lacks it. */
final class RedisScript {

    /**
     * Acquire. KEYS: lock key, fence key, waiting mark, reservation, given-up tokens. ARGV: token,
     * lease ms, fence retention ms, '1' if the caller waits when busy (else '0'), the caller's
     * factory id. A token given up (see refuseGivenUp) gets an error reply and changes nothing.
     * Returns the fencing token (positive) when it took the lock; when busy, {@code -2 - ms} with
     * the time to wait before trying again (0: the key just vanished, -1: the holder's key has no
     * TTL): the holder's PTTL, or, while the lock is free but reserved, the reservation's. A
     * single integer, since building a Lua table reply costs measurably on this hot path.
     *
     * Hand-over between processes: a caller that waits adds its token to the set of those
     * waiting (see markWaiting), and takes it out when it takes the lock or gives up
     * (CANCEL_WAITING); a release that finds the set (someone else waits) reserves the free
     * lock for the others for a short window, during
     * which a waiting acquisition of the releasing factory is refused (an attempt that will not
     * wait, a tryLock(), is not: it takes a free lock at once, as ReentrantLock.tryLock() does).
     * A non-fair acquisition that takes the lock ends the reservation. Without this the releasing
     * process, one round trip away, wins the free lock over a waiter that first has to hear the
     * release, nearly every time.
     * The fencing token is max(last + 1, server time in microseconds): monotonic while the fence
     * key lives, and still growing after a restart that lost it, as long as the clock does.
     */
    static final RedisScript ACQUIRE = new RedisScript(String.join("\n",
            refuseGivenUp("KEYS[5]", "ARGV[1]"),
            "local reserved = redis.call('GET', KEYS[4])",
            "local refused = reserved == ARGV[5] and ARGV[4] == '1'",
            "if not refused and redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then",
            "  if reserved then redis.call('DEL', KEYS[4]) end",
            "  redis.call('SREM', KEYS[3], ARGV[1])",
            "  local t = redis.call('TIME')",
            nextFence("KEYS[2]", "ARGV[3]"),
            "  return fence",
            "end",
            "local ttl = redis.call('PTTL', KEYS[1])",
            "if refused and ttl == -2 then ttl = redis.call('PTTL', KEYS[4]) end",
            markWaiting("KEYS[3]", "ARGV[4] == '1'", "ARGV[1]", "ttl"),
            "return -2 - ttl"));

    /**
     * Lua that, when {@code condition} holds, adds {@code member} to the set of those waiting for
     * the lock (key {@code mark}) and keeps the set at least {@code ttl} (the holder's PTTL,
     * negative if none), at least 1 s, + 1 s: past the time every waiter in it tries again. Its
     * life is only ever extended, so that a later waiter never shortens an earlier one's.
     */
    private static String markWaiting(String mark, String condition, String member, String ttl) {
        return String.join("\n",
                "if " + condition + " then",
                "  redis.call('SADD', " + mark + ", " + member + ")",
                "  local want = math.max(" + ttl + ", 1000) + 1000",
                "  if redis.call('PTTL', " + mark + ") < want then redis.call('PEXPIRE', " + mark + ", want) end",
                "end");
    }

    /**
     * Lua that drops the dead entries at the head of the fair queue KEYS[q] (their alive key,
     * prefix {@code alivePrefix} + token, has expired with their JVM) and sets {@code head} to
     * the first live entry, or nil.
     */
    private static String liveHead(String queue, String alivePrefix) {
        return String.join("\n",
                "local head = nil",
                "while true do",
                "  local h = redis.call('ZRANGE', " + queue + ", 0, 0)",
                "  if #h == 0 then break end",
                "  if redis.call('EXISTS', " + alivePrefix + " .. h[1]) == 1 then head = h[1] break end",
                "  redis.call('ZREM', " + queue + ", h[1])",
                "end");
    }

    /**
     * Fair acquire. KEYS: lock key, fence key, queue, waiting set (see ACQUIRE: joined while
     * busy, so that a non-fair factory's release reserves the lock for fair waiters too), given-up
     * tokens (see refuseGivenUp). ARGV:
     * token, lease ms, fence retention ms, alive ms, alive-key prefix, release channel. Queues
     * the token at the tail if it is not queued (score: server time in microseconds, above every
     * score queued, so first come first served), refreshes its alive key, drops dead entries at the head, and takes the lock if the
     * token is the live head and the lock is free: returns the fencing token. Otherwise returns
     * {@code -2 - ms} with the time to wait before the next attempt: the holder's remaining lease,
     * at most a third of the alive time (so that a waiter refreshes its place before it lapses).
     * A token that is not the head and finds the lock free tells the head (its predecessor may
     * have died or given up without anyone telling it).
     */
    static final RedisScript FAIR_ACQUIRE = new RedisScript(String.join("\n",
            refuseGivenUp("KEYS[5]", "ARGV[1]"),
            "local refresh = math.floor(tonumber(ARGV[4]) / 3)",
            "if not redis.call('ZSCORE', KEYS[3], ARGV[1]) then",
            "  local t = redis.call('TIME')",
            "  local s = tonumber(t[1]) * 1000000 + tonumber(t[2])",
            "  local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')",
            "  if #last > 0 and tonumber(last[2]) >= s then s = tonumber(last[2]) + 1 end",
            "  redis.call('ZADD', KEYS[3], string.format('%.0f', s), ARGV[1])",
            "end",
            "redis.call('SET', ARGV[5] .. ARGV[1], '1', 'PX', ARGV[4])",
            "redis.call('PEXPIRE', KEYS[3], 2 * tonumber(ARGV[4]))",
            liveHead("KEYS[3]", "ARGV[5]"),
            "if head == ARGV[1] and redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then",
            "  redis.call('ZREM', KEYS[3], ARGV[1])",
            "  redis.call('SREM', KEYS[4], ARGV[1])",
            "  redis.call('DEL', ARGV[5] .. ARGV[1])",
            "  local t = redis.call('TIME')",
            nextFence("KEYS[2]", "ARGV[3]"),
            "  return fence",
            "end",
            "local ttl = redis.call('PTTL', KEYS[1])",
            "if ttl == -2 and head then redis.call('PUBLISH', ARGV[6], head) end",
            markWaiting("KEYS[4]", "ttl ~= -2", "ARGV[1]", "ttl"),
            "if ttl < 0 or ttl > refresh then ttl = refresh end",
            "return -2 - ttl"));

    /**
     * Fair acquire in turn, never queueing (a fair lock's tryLock(0, unit)). KEYS: lock key,
     * fence key, queue, given-up tokens (see refuseGivenUp). ARGV: token, lease ms, fence retention ms, alive-key prefix. Drops dead
     * entries at the head of the queue; takes the lock if it is free and nobody is queued, and
     * returns the fencing token; otherwise {@code -2 - PTTL} as ACQUIRE does (0 if the lock is
     * free but waiters are queued).
     */
    static final RedisScript FAIR_TRY = new RedisScript(String.join("\n",
            refuseGivenUp("KEYS[4]", "ARGV[1]"),
            liveHead("KEYS[3]", "ARGV[4]"),
            "if not head and redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then",
            "  local t = redis.call('TIME')",
            nextFence("KEYS[2]", "ARGV[3]"),
            "  return fence",
            "end",
            "local ttl = redis.call('PTTL', KEYS[1])",
            "if ttl == -2 then return -2 end",
            "return -2 - ttl"));

    /**
     * Fair release, withdrawal and clean-up. KEYS: lock key, queue, waiting set (see ACQUIRE),
     * given-up tokens. ARGV: token, release channel, alive-key prefix, '1' for a release ('0' for
     * the withdrawal of a waiter whose every attempt was answered). Removes the token from the
     * queue and from the waiting set (so that waiters that gave up do not pile up in it), deletes
     * the lock key if the token owns it, else (a release) records the token as given up (see
     * markGivenUp), and if the lock is then free tells the live head of the queue (or everyone,
     * if the queue is empty and the token owned the lock). Returns 0 if the token did not own the
     * lock, else 1 + the subscribers told.
     */
    static final RedisScript FAIR_RELEASE = new RedisScript(String.join("\n",
            "redis.call('ZREM', KEYS[2], ARGV[1])",
            "redis.call('SREM', KEYS[3], ARGV[1])",
            "redis.call('DEL', ARGV[3] .. ARGV[1])",
            "local owned = redis.call('GET', KEYS[1]) == ARGV[1]",
            "if not owned and ARGV[4] == '1' then",
            markGivenUp("KEYS[4]", "ARGV[1]"),
            "end",
            "if owned then redis.call('DEL', KEYS[1]) elseif redis.call('EXISTS', KEYS[1]) == 1 then return 0 end",
            liveHead("KEYS[2]", "ARGV[3]"),
            "local told = 0",
            "if head then told = redis.call('PUBLISH', ARGV[2], head)",
            "elseif owned then told = redis.call('PUBLISH', ARGV[2], '0') end",
            "if owned then return 1 + told end",
            "return 0"));

    /**
     * Lua that sets {@code fence} to the next fencing token from the counter at {@code key}
     * (kept for {@code retention} ms), given {@code t}, the result of TIME.
     */
    private static String nextFence(String key, String retention) {
        // one write in the common case: store the clock and read the old value in the same SET;
        // only if the old value is not below the clock (a clock step back, or the same
        // microsecond) is it written again as last + 1
        return String.join("\n",
                "  local fence = tonumber(t[1]) * 1000000 + tonumber(t[2])",
                "  local last = tonumber(redis.call('SET', " + key + ", string.format('%.0f', fence), 'PX', "
                        + retention + ", 'GET') or '0') or 0",
                "  if last >= fence then",
                "    fence = last + 1",
                "    redis.call('SET', " + key + ", string.format('%.0f', fence), 'PX', " + retention + ")",
                "  end");
    }

    /**
     * How long a token stays recorded as given up: longer than any request of it can be held up
     * between the client and Redis, short of a server frozen or a network stalled for longer (a
     * request delivered later still takes nothing for more than its lease).
     */
    static final long GIVEN_UP_MILLIS = 15 * 60_000;

    /** The start of the error reply to an acquire request whose token was given up. */
    static final String GIVEN_UP_ERROR = "DISTLOCK-GIVEN-UP";

    /**
     * Lua that answers an error and changes nothing if {@code token} is in the sorted set of
     * given-up tokens {@code givenUp}: an acquire request that reaches the server after the
     * factory gave up waiting for its answer and cleaned up after it (the clean-up's release ran
     * first and found nothing to delete). Without this the late request would take the lock (or
     * a reader's place, or a place in the fair queue) for a token nobody holds, which would shut
     * every JVM out for a whole lease. No live acquisition ever uses a given-up token (each
     * acquisition after an unknown outcome takes a new one); if one did, the error reply makes
     * the engine drop it and go on with a new token.
     */
    private static String refuseGivenUp(String givenUp, String token) {
        return "if redis.call('ZSCORE', " + givenUp + ", " + token + ") then return redis.error_reply('"
                + GIVEN_UP_ERROR + " this acquisition was given up') end";
    }

    /**
     * Lua that records {@code token} as given up (see refuseGivenUp) for GIVEN_UP_MILLIS, in the
     * sorted set {@code givenUp} scored by when each record ends, dropping the records that have
     * ended. Run by a release that finds the token owning nothing: the clean-up after an
     * acquisition whose answer was lost (or the unlock of a lost lease, whose token nobody uses
     * again either).
     */
    private static String markGivenUp(String givenUp, String token) {
        return String.join("\n",
                "  local gt = redis.call('TIME')",
                "  local gnow = tonumber(gt[1]) * 1000 + math.floor(tonumber(gt[2]) / 1000)",
                "  redis.call('ZREMRANGEBYSCORE', " + givenUp + ", '-inf', gnow)",
                "  redis.call('ZADD', " + givenUp + ", gnow + " + GIVEN_UP_MILLIS + ", " + token + ")",
                "  redis.call('PEXPIRE', " + givenUp + ", " + GIVEN_UP_MILLIS + ")");
    }

    /** Lua that sets {@code nowms} to the server time in milliseconds and drops expired readers of KEYS[n]. */
    private static String nowAndPurge(String readers) {
        return String.join("\n",
                "local t = redis.call('TIME')",
                "local nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
                "redis.call('ZREMRANGEBYSCORE', " + readers + ", '-inf', nowms)");
    }

    /** Lua that keeps the readers set alive as long as its longest reader lease. */
    private static final String KEEP_READERS = String.join("\n",
            "local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')",
            "redis.call('PEXPIRE', KEYS[2], math.floor(tonumber(top[2]) - nowms) + 1000)");

    /**
     * Read/write lock, write side. KEYS: writer, readers, intent, fence, given-up tokens (see
     * refuseGivenUp). ARGV: token, lease ms,
     * fence retention ms, intent ms, '1' if the caller waits when busy (else '0'). Free (no
     * writer, no live reader): takes the writer key, clears its own intent, returns {1, fence}.
     * Busy: a caller that waits marks the intent to write (which keeps new readers out) unless
     * another writer's intent is there (a tryLock() marks nothing), and returns {0, ms} with the time
     * until the holder's lease ends, at most half the intent's life (so a waiting writer renews
     * its intent before it lapses).
     */
    static final RedisScript RW_WRITE_ACQUIRE = new RedisScript(String.join("\n",
            refuseGivenUp("KEYS[5]", "ARGV[1]"),
            nowAndPurge("KEYS[2]"),
            "local w = redis.call('GET', KEYS[1])",
            "if not w and redis.call('ZCARD', KEYS[2]) == 0 then",
            "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])",
            "  if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end",
            nextFence("KEYS[4]", "ARGV[3]"),
            "  return {1, fence}",
            "end",
            "local i = redis.call('GET', KEYS[3])",
            "if ARGV[5] == '1' and (not i or i == ARGV[1]) then redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[4]) end",
            "local wait",
            "if w then wait = redis.call('PTTL', KEYS[1]) else",
            "  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')",
            "  wait = math.floor(tonumber(last[2]) - nowms)",
            "end",
            "return {0, math.min(wait, math.floor(tonumber(ARGV[4]) / 2))}"));

    /**
     * Read/write lock, read side. KEYS: writer, readers, intent, fence, given-up tokens (see
     * refuseGivenUp). ARGV: token, lease ms,
     * fence retention ms, this factory's writer token ('' if none), '1' if the reader gives way to
     * a waiting writer (else '0': a tryLock(), which reads past waiting writers as
     * ReentrantReadWriteLock.tryLock() does). Refused while another writer holds the lock or,
     * if it gives way, a writer's intent is marked, except for this factory's own writer (a
     * downgrade). Otherwise adds the reader with its lease end as score.
     */
    static final RedisScript RW_READ_ACQUIRE = new RedisScript(String.join("\n",
            refuseGivenUp("KEYS[5]", "ARGV[1]"),
            nowAndPurge("KEYS[2]"),
            "local w = redis.call('GET', KEYS[1])",
            "local downgrade = ARGV[4] ~= '' and w == ARGV[4]",
            "if w and not downgrade then return {0, redis.call('PTTL', KEYS[1])} end",
            "if not downgrade and ARGV[5] == '1' then",
            "  local ip = redis.call('PTTL', KEYS[3])",
            "  if ip > 0 then return {0, ip} end",
            "end",
            "redis.call('ZADD', KEYS[2], nowms + tonumber(ARGV[2]), ARGV[1])",
            KEEP_READERS,
            nextFence("KEYS[4]", "ARGV[3]"),
            "return {1, fence}"));

    /**
     * Fair read/write lock, a waiting acquisition of either side. KEYS: writer, readers, queue,
     * fence, given-up tokens (see refuseGivenUp). ARGV: token, lease ms, fence retention ms, alive
     * ms, alive-key prefix, kind ('w' writer, 'r' reader), release channel. Queues kind + token at
     * the tail if it is not queued (score: server time in microseconds, above every score queued,
     * so first come first served) and refreshes its alive key (which expires with its JVM). Then
     * walks the queue from its head to the token, dropping dead entries, up to the first live
     * entry that blocks it: for a writer any entry, for a reader a writer's. Takes the lock if no
     * entry blocks it and the lock is free for its kind (a writer: no writer and no live reader;
     * a reader: no writer): leaves the queue and returns {1, fencing token}. Otherwise returns
     * {0, ms}, the time to wait before the next attempt: the holder's remaining lease, at most a
     * third of the alive time (so that a waiter refreshes its place before it lapses). A token
     * blocked by a queued entry that could go in now (the lock is free for that entry's kind)
     * tells that entry, which may have missed the release that let it in; the telling goes
     * towards the head only.
     */
    static final RedisScript FAIR_RW_ACQUIRE = new RedisScript(String.join("\n",
            refuseGivenUp("KEYS[5]", "ARGV[1]"),
            "local me = ARGV[6] .. ARGV[1]",
            "local refresh = math.floor(tonumber(ARGV[4]) / 3)",
            "if not redis.call('ZSCORE', KEYS[3], me) then",
            "  local qt = redis.call('TIME')",
            "  local s = tonumber(qt[1]) * 1000000 + tonumber(qt[2])",
            "  local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')",
            "  if #last > 0 and tonumber(last[2]) >= s then s = tonumber(last[2]) + 1 end",
            "  redis.call('ZADD', KEYS[3], string.format('%.0f', s), me)",
            "end",
            "redis.call('SET', ARGV[5] .. ARGV[1], '1', 'PX', ARGV[4])",
            "redis.call('PEXPIRE', KEYS[3], 2 * tonumber(ARGV[4]))",
            nowAndPurge("KEYS[2]"),
            "local blocker = nil",
            "local blockerKind = nil",
            "for _, e in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do",
            "  if e == me then break end",
            "  if redis.call('EXISTS', ARGV[5] .. string.sub(e, 2)) == 0 then",
            "    redis.call('ZREM', KEYS[3], e)",
            "  elseif ARGV[6] == 'w' or string.sub(e, 1, 1) == 'w' then",
            "    blocker = string.sub(e, 2)",
            "    blockerKind = string.sub(e, 1, 1)",
            "    break",
            "  end",
            "end",
            "local w = redis.call('GET', KEYS[1])",
            "local readers = redis.call('ZCARD', KEYS[2])",
            "local free = not w and (ARGV[6] == 'r' or readers == 0)",
            "if free and not blocker then",
            "  redis.call('ZREM', KEYS[3], me)",
            "  redis.call('DEL', ARGV[5] .. ARGV[1])",
            "  if ARGV[6] == 'w' then",
            "    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])",
            "  else",
            "    redis.call('ZADD', KEYS[2], nowms + tonumber(ARGV[2]), ARGV[1])",
            KEEP_READERS,
            "  end",
            nextFence("KEYS[4]", "ARGV[3]"),
            "  return {1, fence}",
            "end",
            "if blocker and not w and (blockerKind == 'r' or readers == 0) then",
            "  redis.call('PUBLISH', ARGV[7], blocker)",
            "end",
            "local wait = refresh",
            "if w then wait = redis.call('PTTL', KEYS[1])",
            "elseif ARGV[6] == 'w' and readers > 0 then",
            "  local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')",
            "  wait = math.floor(tonumber(top[2]) - nowms)",
            "end",
            "if wait < 0 or wait > refresh then wait = refresh end",
            "return {0, wait}"));

    /**
     * Fair read/write lock, an acquisition in turn that never queues (tryLock(0, unit)). KEYS:
     * writer, readers, queue, fence, given-up tokens. ARGV: token, lease ms, fence retention ms,
     * alive-key prefix, kind ('w' or 'r'). Drops the queue's dead entries; takes the lock only if
     * no live entry is queued (as a fair ReentrantReadWriteLock's tryLock(0, unit) gives way to
     * every queued thread) and the lock is free for its kind: {1, fencing token}; else {0, ms}
     * with the holder's remaining lease (0 when only the queue was in the way).
     */
    static final RedisScript FAIR_RW_TRY = new RedisScript(String.join("\n",
            refuseGivenUp("KEYS[5]", "ARGV[1]"),
            nowAndPurge("KEYS[2]"),
            "for _, e in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do",
            "  if redis.call('EXISTS', ARGV[4] .. string.sub(e, 2)) == 1 then return {0, 0} end",
            "  redis.call('ZREM', KEYS[3], e)",
            "end",
            "local w = redis.call('GET', KEYS[1])",
            "if w then return {0, redis.call('PTTL', KEYS[1])} end",
            "if ARGV[5] == 'w' then",
            "  local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')",
            "  if #top > 0 then return {0, math.floor(tonumber(top[2]) - nowms)} end",
            "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])",
            "else",
            "  redis.call('ZADD', KEYS[2], nowms + tonumber(ARGV[2]), ARGV[1])",
            KEEP_READERS,
            "end",
            nextFence("KEYS[4]", "ARGV[3]"),
            "return {1, fence}"));

    /**
     * Fair read/write lock, release, withdrawal and clean-up of either side. KEYS: writer,
     * readers, queue, given-up tokens. ARGV: token, release channel, alive-key prefix, kind ('w'
     * or 'r'), '1' for a release ('0' for the withdrawal of a waiter whose every attempt was
     * answered). Takes the token out of the queue, deletes its alive key and gives back what it
     * holds; a release of a token that holds nothing and was never let in (no reader entry, an
     * expired one included) records it as given up (see markGivenUp). If it held the lock or left
     * the queue, tells every waiter (readers queued behind a writer that left may now go in).
     * Returns 0 if the token held nothing, else 1 + the subscribers told.
     */
    static final RedisScript FAIR_RW_RELEASE = new RedisScript(String.join("\n",
            "local left = redis.call('ZREM', KEYS[3], ARGV[4] .. ARGV[1])",
            "redis.call('DEL', ARGV[3] .. ARGV[1])",
            "local owned = false",
            "local applied = false",
            "if ARGV[4] == 'w' then",
            "  owned = redis.call('GET', KEYS[1]) == ARGV[1]",
            "  if owned then redis.call('DEL', KEYS[1]) end",
            "  applied = owned",
            "else",
            "  local rt = redis.call('TIME')",
            "  local rnow = tonumber(rt[1]) * 1000 + math.floor(tonumber(rt[2]) / 1000)",
            "  local s = redis.call('ZSCORE', KEYS[2], ARGV[1])",
            "  if s then",
            "    redis.call('ZREM', KEYS[2], ARGV[1])",
            "    owned = tonumber(s) >= rnow",
            "    applied = true",
            "  end",
            "end",
            "if not applied and ARGV[5] == '1' then",
            markGivenUp("KEYS[4]", "ARGV[1]"),
            "end",
            "local told = 0",
            "if owned or left == 1 then told = redis.call('PUBLISH', ARGV[2], '0') end",
            "if owned then return 1 + told end",
            "return 0"));

    /**
     * Read/write lock, read release. KEYS: writer, readers, given-up tokens. ARGV: token, channel.
     * Returns 0 if the reader was not there (then records the token as given up, see
     * markGivenUp) or its lease had ended, else 1 + the subscribers told.
     */
    static final RedisScript RW_READ_RELEASE = new RedisScript(String.join("\n",
            "local t = redis.call('TIME')",
            "local nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
            "local s = redis.call('ZSCORE', KEYS[2], ARGV[1])",
            "if not s then",
            markGivenUp("KEYS[3]", "ARGV[1]"),
            "  return 0",
            "end",
            "redis.call('ZREM', KEYS[2], ARGV[1])",
            "if tonumber(s) < nowms then return 0 end",
            "return 1 + redis.call('PUBLISH', ARGV[2], '0')"));

    /** Read/write lock, read renewal. KEYS: writer, readers. ARGV: token, lease ms. 1 if renewed. */
    static final RedisScript RW_READ_RENEW = new RedisScript(String.join("\n",
            "local t = redis.call('TIME')",
            "local nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
            "local s = redis.call('ZSCORE', KEYS[2], ARGV[1])",
            "if not s or tonumber(s) < nowms then return 0 end",
            "redis.call('ZADD', KEYS[2], 'XX', nowms + tonumber(ARGV[2]), ARGV[1])",
            KEEP_READERS,
            "return 1"));

    /**
     * Read/write lock, read inspection. KEYS: writer, readers. Returns {live readers, ms until
     * the last reader lease ends}.
     */
    static final RedisScript RW_READ_INSPECT = new RedisScript(String.join("\n",
            nowAndPurge("KEYS[2]"),
            "local n = redis.call('ZCARD', KEYS[2])",
            "if n == 0 then return {0, -1} end",
            "local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')",
            "return {n, math.floor(tonumber(top[2]) - nowms)}"));

    /**
     * Read/write lock, a waiting writer gives up. KEYS: intent. ARGV: token, channel. Clears the
     * intent if it is this writer's, and tells waiting readers.
     */
    static final RedisScript RW_CANCEL_INTENT = new RedisScript(String.join("\n",
            "if redis.call('GET', KEYS[1]) == ARGV[1] then",
            "  redis.call('DEL', KEYS[1])",
            "  redis.call('PUBLISH', ARGV[2], '0')",
            "end",
            "return 0"));

    /**
     * Release. KEYS: lock key, given-up tokens. ARGV: token, channel. Deletes the key only if it
     * holds the token, then announces the release. Returns 0 if the token did not own the key
     * (and records it as given up, see markGivenUp), else 1 + the number of subscribers that
     * received the announcement.
     */
    static final RedisScript RELEASE = new RedisScript(String.join("\n",
            "if redis.call('GET', KEYS[1]) == ARGV[1] then",
            "  redis.call('DEL', KEYS[1])",
            "  return 1 + redis.call('PUBLISH', ARGV[2], '0')",
            "end",
            markGivenUp("KEYS[2]", "ARGV[1]"),
            "return 0"));

    /**
     * Release of an exclusive lock. KEYS: lock key, waiting mark, reservation, given-up tokens. ARGV: token,
     * channel, the releasing factory's id, the reservation window in ms. Deletes the key only if
     * it holds the token; if another process marked the lock as waited for, reserves it for the
     * others (see ACQUIRE). A token that does not own the key (the clean-up after an acquisition
     * whose outcome was unknown) is taken out of the set of those waiting and recorded as given
     * up (see markGivenUp). Every release is
     * announced, also when the set is empty: a waiter that
     * does not join the set (a JVM on an earlier version of this library, a fair waiter that
     * found the lock free) must still hear it. Returns 1 if released, 0 if the token did not own
     * the key.
     */
    static final RedisScript EXCLUSIVE_RELEASE = new RedisScript(String.join("\n",
            "if redis.call('GET', KEYS[1]) ~= ARGV[1] then",
            "  redis.call('SREM', KEYS[2], ARGV[1])",
            markGivenUp("KEYS[4]", "ARGV[1]"),
            "  return 0",
            "end",
            "redis.call('DEL', KEYS[1])",
            "if redis.call('DEL', KEYS[2]) == 1 then redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4]) end",
            "redis.call('PUBLISH', ARGV[2], '0')",
            "return 1"));

    /**
     * A waiting acquisition of an exclusive lock gives up. KEYS: waiting set. ARGV: token. Takes
     * the token out of the set of those waiting, so that the next release does not hold the lock
     * back for a waiter that has left. Returns the number removed (0 or 1).
     */
    static final RedisScript CANCEL_WAITING = new RedisScript(
            "return redis.call('SREM', KEYS[1], ARGV[1])");

    /**
     * Inspect. KEYS: lock key, fence key. Returns {-2, 0} when free, else {PTTL, last fencing
     * token issued for the name}: the holder's, unless the lock of the other kind with the same
     * name (exclusive or read/write, which share the counter) or a downgrade's reader was
     * acquired since (see LockInfo.fencingToken).
     */
    static final RedisScript INSPECT = new RedisScript(String.join("\n",
            "local ttl = redis.call('PTTL', KEYS[1])",
            "if ttl == -2 then return {-2, 0} end",
            "return {ttl, tonumber(redis.call('GET', KEYS[2]) or '0') or 0}"));

    /**
     * Operator's inspection (LockAdmin.state). KEYS: lock key, fence key, waiting set, fair queue,
     * read/write writer, readers, intent, fair queue. ARGV: the fair queue's alive-key prefix, the
     * read/write queue's. Read only. Returns {holder or '', PTTL, last fencing token, waiting
     * tokens, live fair-queue tokens, writer or '', live readers, intent or '', live read/write
     * queue entries}.
     */
    static final RedisScript ADMIN_INSPECT = new RedisScript(String.join("\n",
            "local t = redis.call('TIME')",
            "local nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
            "local function live(key, prefix, skip)",
            "  local out = {}",
            "  for _, e in ipairs(redis.call('ZRANGE', key, 0, -1)) do",
            "    if redis.call('EXISTS', prefix .. string.sub(e, skip)) == 1 then out[#out + 1] = e end",
            "  end",
            "  return out",
            "end",
            "return {redis.call('GET', KEYS[1]) or '', redis.call('PTTL', KEYS[1]),",
            "  redis.call('GET', KEYS[2]) or '0', redis.call('SMEMBERS', KEYS[3]), live(KEYS[4], ARGV[1], 1),",
            "  redis.call('GET', KEYS[5]) or '', redis.call('ZRANGEBYSCORE', KEYS[6], nowms, '+inf'),",
            "  redis.call('GET', KEYS[7]) or '', live(KEYS[8], ARGV[2], 2)}"));

    /**
     * Operator's forced release (LockAdmin.forceRelease). KEYS: lock key, fair queue, fence key.
     * ARGV: release channel, the fair queue's alive-key prefix, the holder to release ('' for any).
     * Deletes the lease if that holder has it, keeps the fence, and announces the release as
     * FAIR_RELEASE does (the live head of the fair queue if there is one, else everyone). Returns
     * {} if nobody held the lock, {holder} if another holder has it (nothing changed), else
     * {holder token, PTTL it had, last fencing token}.
     */
    static final RedisScript FORCE_RELEASE = new RedisScript(String.join("\n",
            "local holder = redis.call('GET', KEYS[1])",
            "if not holder then return {} end",
            "if ARGV[3] ~= '' and holder ~= ARGV[3] then return {holder} end",
            "local ttl = redis.call('PTTL', KEYS[1])",
            "redis.call('DEL', KEYS[1])",
            liveHead("KEYS[2]", "ARGV[2]"),
            "if head then redis.call('PUBLISH', ARGV[1], head) else redis.call('PUBLISH', ARGV[1], '0') end",
            "return {holder, ttl, redis.call('GET', KEYS[3]) or '0'}"));

    /** The live waiters of a condition queue. KEYS: queue. ARGV: alive-key prefix. */
    static final RedisScript CONDITION_LIVE = new RedisScript(String.join("\n",
            "local out = {}",
            "for _, w in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do",
            "  if redis.call('EXISTS', ARGV[1] .. w) == 1 then out[#out + 1] = w end",
            "end",
            "return out"));

    /** Renew. KEYS: lock key. ARGV: token, lease ms. Returns 1 if renewed, 0 if not owned. */
    static final RedisScript RENEW = new RedisScript(String.join("\n",
            "if redis.call('GET', KEYS[1]) == ARGV[1] then",
            "  return redis.call('PEXPIRE', KEYS[1], ARGV[2])",
            "end",
            "return 0"));

    /**
     * Condition await. KEYS: lock key, queue, waiter's alive key. ARGV: token, waiter id, alive
     * ms, release channel. If the token owns the lock: queues the waiter (score: server time in
     * microseconds, so first come first served), marks it alive, deletes the lock key and
     * announces the release; returns 1. A waiter already queued (a retry) also returns 1. Else 0.
     */
    static final RedisScript CONDITION_AWAIT = new RedisScript(String.join("\n",
            "if redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 1 end",
            "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end",
            "local t = redis.call('TIME')",
            "redis.call('ZADD', KEYS[2], tonumber(t[1]) * 1000000 + tonumber(t[2]), ARGV[2])",
            "redis.call('PEXPIRE', KEYS[2], 2 * tonumber(ARGV[3]))",
            "redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])",
            "redis.call('DEL', KEYS[1])",
            "redis.call('PUBLISH', ARGV[4], '0')",
            "return 1"));

    /**
     * Condition signal. KEYS: lock key, queue. ARGV: token, most to wake, alive-key prefix, signal
     * channel prefix. If the token owns the lock: pops waiters from the head of the queue; each
     * whose alive key still exists (its JVM is alive) is woken (alive key deleted, a message on
     * its channel) and counted, until enough are woken or the queue is empty. The alive keys and
     * channels share the lock's hash slot. Returns the number woken, or -1 if not owned.
     */
    static final RedisScript CONDITION_SIGNAL = new RedisScript(String.join("\n",
            "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end",
            "local want = tonumber(ARGV[2])",
            "local woken = 0",
            "while woken < want do",
            "  local head = redis.call('ZRANGE', KEYS[2], 0, 0)",
            "  if #head == 0 then break end",
            "  redis.call('ZREM', KEYS[2], head[1])",
            "  if redis.call('DEL', ARGV[3] .. head[1]) == 1 then",
            "    redis.call('PUBLISH', ARGV[4] .. head[1], '1')",
            "    woken = woken + 1",
            "  end",
            "end",
            "return woken"));

    /**
     * Condition withdraw. KEYS: queue, alive key. ARGV: waiter id. Returns 1 if the waiter was
     * still queued (now removed), 0 if a signal had taken it.
     */
    static final RedisScript CONDITION_WITHDRAW = new RedisScript(String.join("\n",
            "local removed = redis.call('ZREM', KEYS[1], ARGV[1])",
            "redis.call('DEL', KEYS[2])",
            "return removed"));

    /**
     * Condition keep-alive. KEYS: queue, alive key. ARGV: waiter id, alive ms. Returns 1 (and
     * refreshes the record) if the waiter is still queued and alive, else 0.
     */
    static final RedisScript CONDITION_KEEP = new RedisScript(String.join("\n",
            "if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end",
            "if redis.call('PEXPIRE', KEYS[2], ARGV[2]) == 0 then return 0 end",
            "redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))",
            "return 1"));

    /** Condition count. KEYS: queue. ARGV: alive-key prefix. Returns the live waiters queued. */
    static final RedisScript CONDITION_COUNT = new RedisScript(String.join("\n",
            "local n = 0",
            "for _, w in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do",
            "  if redis.call('EXISTS', ARGV[1] .. w) == 1 then n = n + 1 end",
            "end",
            "return n"));

    final String source;
    final String sha1;
    /**
     * The same script for Redis Cluster: releases announced with SPUBLISH on the lock's own slot
     * (sharded pub/sub, Redis 7), so a release reaches the one shard that serves the lock, not every
     * node of the cluster. Every channel a script announces on carries the lock's hash tag.
     */
    final RedisScript sharded;

    private RedisScript(String source) {
        this(source, false);
    }

    private RedisScript(String source, boolean sharded) {
        this.source = source;
        this.sharded = sharded || !source.contains("'PUBLISH'")
                ? this : new RedisScript(source.replace("'PUBLISH'", "'SPUBLISH'"), true);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            this.sha1 = HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    }
}
