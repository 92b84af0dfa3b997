-- markWaiting(waitingKey, token, ttl): adds token to the set of those waiting for the exclusive
-- lock and keeps the set alive at least ttl (the holder's PTTL, negative if none), at least 1 s,
-- + 1 s: past the time every waiter in it tries again. The set's life is only ever extended, so
-- that a later waiter never shortens an earlier one's.
local function markWaiting(waitingKey, token, ttl)
  redis.call('SADD', waitingKey, token)
  local want = math.max(ttl, 1000) + 1000
  if redis.call('PTTL', waitingKey) < want then redis.call('PEXPIRE', waitingKey, want) end
end
