-- Renew a reader's lease of a read/write lock.
-- KEYS: the writer (not read), the readers. ARGV: token, lease ms.
-- Returns 1 if renewed, 0 if the reader is not there or its lease has ended.
local readersKey = KEYS[2]
local token = ARGV[1]
local leaseMs = ARGV[2]

local t = redis.call('TIME')
local nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leaseEnd = redis.call('ZSCORE', readersKey, token)
if not leaseEnd or tonumber(leaseEnd) < nowms then return 0 end
redis.call('ZADD', readersKey, 'XX', nowms + tonumber(leaseMs), token)
keepReaders(readersKey, nowms)
return 1
