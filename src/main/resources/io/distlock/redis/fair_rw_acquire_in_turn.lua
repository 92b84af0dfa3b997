-- Acquire either side of a fair read/write lock in turn without queueing (tryLock(0, unit)).
-- KEYS: the writer, the readers, the fair queue, the fence counter, the given-up set.
-- ARGV: token, lease ms, fence retention ms, alive-key prefix, kind ('w' or 'r').
-- Drops the queue's dead entries; takes the lock only if no live entry is queued (as a fair
-- ReentrantReadWriteLock's tryLock(0, unit) gives way to every queued thread) and the lock is
-- free for its kind.
-- Returns {1, fencing token} when it took the lock; else {0, ms}, the holder's remaining lease (0
-- when only the queue was in the way). A given-up token gets an error reply.
local writerKey = KEYS[1]
local readersKey = KEYS[2]
local queueKey = KEYS[3]
local fenceKey = KEYS[4]
local givenUpKey = KEYS[5]
local token = ARGV[1]
local leaseMs = ARGV[2]
local fenceRetentionMs = ARGV[3]
local alivePrefix = ARGV[4]
local kind = ARGV[5]

if redis.call('ZSCORE', givenUpKey, token) then return givenUpError() end
local t, nowms = dropExpiredReaders(readersKey)
for _, e in ipairs(redis.call('ZRANGE', queueKey, 0, -1)) do
  if redis.call('EXISTS', alivePrefix .. string.sub(e, 2)) == 1 then return {0, 0} end
  redis.call('ZREM', queueKey, e)
end
if redis.call('GET', writerKey) then return {0, redis.call('PTTL', writerKey)} end
if kind == 'w' then
  local top = redis.call('ZRANGE', readersKey, -1, -1, 'WITHSCORES')
  if #top > 0 then return {0, math.floor(tonumber(top[2]) - nowms)} end
  redis.call('SET', writerKey, token, 'PX', leaseMs)
else
  redis.call('ZADD', readersKey, nowms + tonumber(leaseMs), token)
  keepReaders(readersKey, nowms)
end
return {1, nextFence(fenceKey, fenceRetentionMs, t)}
