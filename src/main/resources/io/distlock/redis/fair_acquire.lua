-- Acquire a fair exclusive lock in turn, or learn how long to wait: a waiting acquisition.
-- KEYS: the lock, its fence counter, the fair queue, the set of those waiting (joined by every
--       attempt that does not take the lock, so that a non-fair factory's release is announced to
--       fair waiters too and reserves the lock for them, see exclusive_release.lua), the given-up
--       set.
-- ARGV: token, lease ms, fence retention ms, alive ms, alive-key prefix, release channel.
-- Queues the token at the tail if it is not queued and refreshes its alive key (lib/join_queue.lua),
-- drops the dead entries at the head, and takes the lock if the token is the live head and the
-- lock is free. A token that is not the head and finds the lock free tells the head (its
-- predecessor may have died or given up without anyone telling it).
-- Returns the fencing token (> 0) when it took the lock; else -2 - ms, ms being the time to wait
-- before the next attempt: the holder's remaining lease, at most a third of the alive time (so
-- that a waiter refreshes its place before it lapses). A given-up token gets an error reply.
local lockKey = KEYS[1]
local fenceKey = KEYS[2]
local queueKey = KEYS[3]
local waitingKey = KEYS[4]
local givenUpKey = KEYS[5]
local token = ARGV[1]
local leaseMs = ARGV[2]
local fenceRetentionMs = ARGV[3]
local aliveMs = ARGV[4]
local alivePrefix = ARGV[5]
local channel = ARGV[6]

if redis.call('ZSCORE', givenUpKey, token) then return givenUpError() end
local refresh = math.floor(tonumber(aliveMs) / 3)
joinQueue(queueKey, token, alivePrefix .. token, aliveMs)
local head = liveHead(queueKey, alivePrefix)
if head == token and redis.call('SET', lockKey, token, 'NX', 'PX', leaseMs) then
  redis.call('ZREM', queueKey, token)
  redis.call('SREM', waitingKey, token)
  redis.call('DEL', alivePrefix .. token)
  return nextFence(fenceKey, fenceRetentionMs, redis.call('TIME'))
end
local ttl = redis.call('PTTL', lockKey)
if ttl == -2 and head then redis.call('PUBLISH', channel, head) end
markWaiting(waitingKey, token, ttl)
if ttl < 0 or ttl > refresh then ttl = refresh end
return -2 - ttl
