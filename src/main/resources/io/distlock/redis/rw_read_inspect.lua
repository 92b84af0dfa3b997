-- Inspect the read side of a read/write lock (drops the readers whose lease has ended).
-- KEYS: the writer (not read), the readers. ARGV: none.
-- Returns {live readers, ms until the last reader lease ends} ({0, -1} without readers).
local readersKey = KEYS[2]

local _, nowms = dropExpiredReaders(readersKey)
local n = redis.call('ZCARD', readersKey)
if n == 0 then return {0, -1} end
local top = redis.call('ZRANGE', readersKey, -1, -1, 'WITHSCORES')
return {n, math.floor(tonumber(top[2]) - nowms)}
