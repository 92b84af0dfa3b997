-- Acquire the read side of a read/write lock (non-fair), or learn how long to wait.
-- KEYS: the writer, the readers, the writer's intent, the fence counter, the given-up set.
-- ARGV: token, lease ms, fence retention ms, this factory's writer token ('' if none), '1' if the
--       reader gives way to a waiting writer (else '0': a tryLock(), which reads past waiting
--       writers as ReentrantReadWriteLock.tryLock() does).
-- Refused while another writer holds the lock or, if it gives way, a writer's intent is marked,
-- except beside this factory's own writer (a downgrade). Otherwise adds the reader, scored by the
-- end of its lease.
-- Returns {1, fencing token} when it took the lock; else {0, ms}, the PTTL of the writer or of
-- the intent. A given-up token gets an error reply.
local writerKey = KEYS[1]
local readersKey = KEYS[2]
local intentKey = KEYS[3]
local fenceKey = KEYS[4]
local givenUpKey = KEYS[5]
local token = ARGV[1]
local leaseMs = ARGV[2]
local fenceRetentionMs = ARGV[3]
local ownWriter = ARGV[4]
local givesWay = ARGV[5] == '1'

if redis.call('ZSCORE', givenUpKey, token) then return givenUpError() end
local t, nowms = dropExpiredReaders(readersKey)
local writer = redis.call('GET', writerKey)
local downgrade = ownWriter ~= '' and writer == ownWriter
if writer and not downgrade then return {0, redis.call('PTTL', writerKey)} end
if not downgrade and givesWay then
  local intentTtl = redis.call('PTTL', intentKey)
  if intentTtl > 0 then return {0, intentTtl} end
end
redis.call('ZADD', readersKey, nowms + tonumber(leaseMs), token)
keepReaders(readersKey, nowms)
return {1, nextFence(fenceKey, fenceRetentionMs, t)}
