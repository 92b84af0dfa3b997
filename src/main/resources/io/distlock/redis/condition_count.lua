-- Condition count: how many live waiters the condition's queue holds. Read only.
-- KEYS: the condition's queue. ARGV: waiters' alive-key prefix.
-- Returns the number of queued waiters whose alive key exists.
local queueKey = KEYS[1]
local alivePrefix = ARGV[1]

return #liveEntries(queueKey, alivePrefix, 1)
