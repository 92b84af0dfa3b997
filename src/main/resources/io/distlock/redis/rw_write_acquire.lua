-- Acquire the write side of a read/write lock (non-fair), or learn how long to wait.
-- KEYS: the writer, the readers, the writer's intent, the fence counter, the given-up set.
-- ARGV: token, lease ms, fence retention ms, intent ms, '1' if the caller waits when busy (else
--       '0').
-- Free (no writer, no live reader): takes the writer key and clears the caller's own intent.
-- Busy: a caller that waits marks its intent to write, which keeps new readers out, unless
-- another writer's intent is there (a tryLock() marks nothing).
-- Returns {1, fencing token} when it took the lock; else {0, ms}, the time until the holder's
-- lease ends, at most half the intent's life (so that a waiting writer renews its intent before
-- it lapses). A given-up token gets an error reply.
local writerKey = KEYS[1]
local readersKey = KEYS[2]
local intentKey = KEYS[3]
local fenceKey = KEYS[4]
local givenUpKey = KEYS[5]
local token = ARGV[1]
local leaseMs = ARGV[2]
local fenceRetentionMs = ARGV[3]
local intentMs = ARGV[4]
local waits = ARGV[5] == '1'

if redis.call('ZSCORE', givenUpKey, token) then return givenUpError() end
local t, nowms = dropExpiredReaders(readersKey)
local writer = redis.call('GET', writerKey)
if not writer and redis.call('ZCARD', readersKey) == 0 then
  redis.call('SET', writerKey, token, 'PX', leaseMs)
  if redis.call('GET', intentKey) == token then redis.call('DEL', intentKey) end
  return {1, nextFence(fenceKey, fenceRetentionMs, t)}
end
local intent = redis.call('GET', intentKey)
if waits and (not intent or intent == token) then redis.call('SET', intentKey, token, 'PX', intentMs) end
local wait
if writer then wait = redis.call('PTTL', writerKey) else
  local last = redis.call('ZRANGE', readersKey, -1, -1, 'WITHSCORES')
  wait = math.floor(tonumber(last[2]) - nowms)
end
return {0, math.min(wait, math.floor(tonumber(intentMs) / 2))}
