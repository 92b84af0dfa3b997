-- Acquire a fair exclusive lock in turn without queueing (a fair lock's tryLock(0, unit)).
-- KEYS: the lock, its fence counter, the fair queue, the given-up set.
-- ARGV: token, lease ms, fence retention ms, alive-key prefix.
-- Drops the dead entries at the head of the queue; takes the lock if it is free and nobody live
-- is queued.
-- Returns the fencing token (> 0) when it took the lock; else -2 - PTTL as acquire.lua does (-2,
-- that is a wait of 0, if the lock is free but waiters are queued). A given-up token gets an error
-- reply.
local lockKey = KEYS[1]
local fenceKey = KEYS[2]
local queueKey = KEYS[3]
local givenUpKey = KEYS[4]
local token = ARGV[1]
local leaseMs = ARGV[2]
local fenceRetentionMs = ARGV[3]
local alivePrefix = ARGV[4]

if redis.call('ZSCORE', givenUpKey, token) then return givenUpError() end
local head = liveHead(queueKey, alivePrefix)
if not head and redis.call('SET', lockKey, token, 'NX', 'PX', leaseMs) then
  return nextFence(fenceKey, fenceRetentionMs, redis.call('TIME'))
end
local ttl = redis.call('PTTL', lockKey)
if ttl == -2 then return -2 end
return -2 - ttl
