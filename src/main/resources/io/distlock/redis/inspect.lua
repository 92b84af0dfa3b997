-- Inspect a lease (an exclusive lock's, or a write lock's). Read only.
-- KEYS: the lock, the fence counter. ARGV: none.
-- Returns {-2, 0} when free, else {PTTL, last fencing token issued for the name}: the holder's,
-- unless the lock of the other kind with the same name (exclusive or read/write, which share the
-- counter) or a downgrade's reader was acquired since (see LockInfo.fencingToken).
local lockKey = KEYS[1]
local fenceKey = KEYS[2]

local ttl = redis.call('PTTL', lockKey)
if ttl == -2 then return {-2, 0} end
return {ttl, tonumber(redis.call('GET', fenceKey) or '0') or 0}
