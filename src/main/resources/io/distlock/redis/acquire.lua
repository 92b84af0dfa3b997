-- Acquire an exclusive lock (non-fair), or learn how long to wait.
-- KEYS: the lock, its fence counter, the set of those waiting, the given-up set.
-- ARGV: token, lease ms, fence retention ms, '1' if the caller waits when busy (else '0'), the
--       ms left of the caller's factory's own reservation for other processes' waiters ('0' if
--       none: see below), the fence counter when that reservation was made, '1' if the token may
--       be in the set of those waiting (an earlier attempt of the same acquisition was told to
--       wait, or its answer was lost; else '0'), '1' to have a busy answer carry the fence counter
--       (a factory that takes hand-overs: see below; else '0').
-- Returns the fencing token (> 0) when it took the lock; when busy, -2 - ms, ms being the time to
-- wait before trying again (0: the key just vanished, -1: the holder's key has no TTL): the
-- holder's PTTL or, while the lock is free but reserved, what is left of the reservation. A
-- single integer: building a Lua table reply costs measurably on this hot path. A given-up token
-- (see lib/given_up_error.lua) gets an error reply and changes nothing.
--
-- Hand-over between processes: a caller that waits adds its token to the set of those waiting,
-- and takes it out when it takes the lock or gives up (cancel_waiting.lua); a release that finds
-- the set tells the releasing factory so (exclusive_release.lua), and that factory keeps the
-- free lock from its own waiting acquisitions for a short window (the reservation, kept by the
-- factory, not on the server: nobody else is refused): such an attempt is sent with the window's
-- rest and the fence counter at the release, and takes nothing unless someone else took the lock
-- since (the counter moved on: the reservation has ended); it marks the caller as waiting and
-- says how long to wait: the holder's PTTL, or while the lock is free the rest of the window. One
-- that will not wait (tryLock()) is not refused: it takes a free lock at once, as
-- ReentrantLock.tryLock() does. Without this the releasing process, one round trip away, would win the free lock over a
-- waiter that first has to hear the release, nearly every time.
--
-- A waiter a release handed the lock to (exclusive_release.lua, "hand-over") and that did not
-- take the grant as announced (it heard it late, or not at all) finds the lock set to its own
-- token: it takes it with a full lease and a new fencing token. With hand-overs a busy answer is
-- a table: {-2 - ms, the fence counter}.
--
-- Commands of an uncontended acquisition: ZSCORE (given-up), SET NX PX, TIME, SET ... GET (fence);
-- a refused one adds a GET of the fence counter, and one that may be waiting a GET of the lock.
local lockKey = KEYS[1]
local fenceKey = KEYS[2]
local waitingKey = KEYS[3]
local givenUpKey = KEYS[4]
local token = ARGV[1]
local leaseMs = ARGV[2]
local fenceRetentionMs = ARGV[3]
local waits = ARGV[4] == '1'
local reservedMs = tonumber(ARGV[5])
local fenceAtRelease = tonumber(ARGV[6])
local mayBeWaiting = ARGV[7] == '1'
local reportFence = ARGV[8] == '1'

if redis.call('ZSCORE', givenUpKey, token) then return givenUpError() end
if reservedMs > 0 and (tonumber(redis.call('GET', fenceKey) or '0') or 0) > fenceAtRelease then reservedMs = 0 end
if reservedMs == 0 and redis.call('SET', lockKey, token, 'NX', 'PX', leaseMs) then
  if mayBeWaiting then redis.call('SREM', waitingKey, token) end
  return nextFence(fenceKey, fenceRetentionMs, redis.call('TIME'))
end
if mayBeWaiting and redis.call('GET', lockKey) == token then
  -- a release handed the lock to this waiter (exclusive_release.lua) for the grant's short time:
  -- the lease starts now, with a fencing token of its own (the counter is shared with the
  -- read/write lock of the name, which may have issued one since the grant's)
  redis.call('PEXPIRE', lockKey, leaseMs)
  return nextFence(fenceKey, fenceRetentionMs, redis.call('TIME'))
end
local ttl = redis.call('PTTL', lockKey)
if ttl == -2 and reservedMs > 0 then ttl = reservedMs end
if waits then markWaiting(waitingKey, token, ttl) end
-- a hand-over announced later is taken only if its fencing token is above this counter (one
-- heard late, set before this answer, is not: it may have run out and the lock moved on)
if reportFence then return {-2 - ttl, tonumber(redis.call('GET', fenceKey) or '0') or 0} end
return -2 - ttl
