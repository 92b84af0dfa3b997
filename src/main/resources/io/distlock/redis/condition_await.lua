-- Condition await: queue a waiter on the condition and release the lock, in one step.
-- KEYS: the lock (exclusive, or the writer), the condition's queue, the waiter's alive key.
-- ARGV: token, waiter id, alive ms, release channel.
-- If the token owns the lock: queues the waiter (score: server time in microseconds, so first
-- come first served), marks it alive, deletes the lock and announces the release.
-- Returns 1 if queued (also for a waiter already queued: a retry), else 0.
local lockKey = KEYS[1]
local queueKey = KEYS[2]
local aliveKey = KEYS[3]
local token = ARGV[1]
local waiter = ARGV[2]
local aliveMs = ARGV[3]
local channel = ARGV[4]

if redis.call('ZSCORE', queueKey, waiter) then return 1 end
if redis.call('GET', lockKey) ~= token then return 0 end
local t = redis.call('TIME')
redis.call('ZADD', queueKey, tonumber(t[1]) * 1000000 + tonumber(t[2]), waiter)
redis.call('PEXPIRE', queueKey, 2 * tonumber(aliveMs))
redis.call('SET', aliveKey, '1', 'PX', aliveMs)
redis.call('DEL', lockKey)
redis.call('PUBLISH', channel, '0')
return 1
