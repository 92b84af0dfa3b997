-- Condition keep-alive: a waiting thread refreshes its waiter's alive key and the queue's life.
-- KEYS: the condition's queue, the waiter's alive key. ARGV: waiter id, alive ms.
-- Returns 1 (refreshed) if the waiter is still queued and alive, else 0.
local queueKey = KEYS[1]
local aliveKey = KEYS[2]
local waiter = ARGV[1]
local aliveMs = ARGV[2]

if not redis.call('ZSCORE', queueKey, waiter) then return 0 end
if redis.call('PEXPIRE', aliveKey, aliveMs) == 0 then return 0 end
redis.call('PEXPIRE', queueKey, 2 * tonumber(aliveMs))
return 1
