-- Condition withdraw: a waiter leaves the condition's queue (timed out, interrupted).
-- KEYS: the condition's queue, the waiter's alive key. ARGV: waiter id.
-- Returns 1 if the waiter was still queued (now removed), 0 if a signal had taken it.
local queueKey = KEYS[1]
local aliveKey = KEYS[2]
local waiter = ARGV[1]

local removed = redis.call('ZREM', queueKey, waiter)
redis.call('DEL', aliveKey)
return removed
