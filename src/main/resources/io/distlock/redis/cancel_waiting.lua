-- A waiting acquisition of an exclusive lock gives up: takes its token out of the set of those
-- waiting, so that the next release does not hold the lock back for a waiter that has left.
-- KEYS: the set of those waiting. ARGV: token.
-- Returns the number removed (0 or 1).
local waitingKey = KEYS[1]
local token = ARGV[1]

return redis.call('SREM', waitingKey, token)
