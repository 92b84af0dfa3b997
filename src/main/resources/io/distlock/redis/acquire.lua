-- Acquire an exclusive lock (non-fair), or learn how long to wait.
-- KEYS: the lock, its fence counter, the set of those waiting, the reservation, the given-up set.
-- ARGV: token, lease ms, fence retention ms, '1' if the caller waits when busy (else '0'), the
--       caller's factory id.
-- Returns the fencing token (> 0) when it took the lock; when busy, -2 - ms, ms being the time to
-- wait before trying again (0: the key just vanished, -1: the holder's key has no TTL): the
-- holder's PTTL or, while the lock is free but reserved, the reservation's. A single integer:
-- building a Lua table reply costs measurably on this hot path. A given-up token (see
-- lib/given_up_error.lua) gets an error reply and changes nothing.
--
-- Hand-over between processes: a caller that waits adds its token to the set of those waiting,
-- and takes it out when it takes the lock or gives up (cancel_waiting.lua); a release that finds
-- the set reserves the free lock for the others for a short window (exclusive_release.lua),
-- during which a waiting acquisition of the releasing factory is refused. One that will not wait
-- (tryLock()) is not: it takes a free lock at once, as ReentrantLock.tryLock() does. Taking the
-- lock ends the reservation. Without this the releasing process, one round trip away, would win
-- the free lock over a waiter that first has to hear the release, nearly every time.
local lockKey = KEYS[1]
local fenceKey = KEYS[2]
local waitingKey = KEYS[3]
local reservationKey = KEYS[4]
local givenUpKey = KEYS[5]
local token = ARGV[1]
local leaseMs = ARGV[2]
local fenceRetentionMs = ARGV[3]
local waits = ARGV[4] == '1'
local factoryId = ARGV[5]

if redis.call('ZSCORE', givenUpKey, token) then return givenUpError() end
local reservedFor = redis.call('GET', reservationKey)
local refused = reservedFor == factoryId and waits
if not refused and redis.call('SET', lockKey, token, 'NX', 'PX', leaseMs) then
  if reservedFor then redis.call('DEL', reservationKey) end
  redis.call('SREM', waitingKey, token)
  return nextFence(fenceKey, fenceRetentionMs, redis.call('TIME'))
end
local ttl = redis.call('PTTL', lockKey)
if refused and ttl == -2 then ttl = redis.call('PTTL', reservationKey) end
if waits then markWaiting(waitingKey, token, ttl) end
return -2 - ttl
