-- The live waiters of a condition's queue (LockAdmin.state). Read only.
-- KEYS: the condition's queue. ARGV: waiters' alive-key prefix.
-- Returns the queued waiter ids whose alive key exists, first come first.
local queueKey = KEYS[1]
local alivePrefix = ARGV[1]

return liveEntries(queueKey, alivePrefix, 1)
