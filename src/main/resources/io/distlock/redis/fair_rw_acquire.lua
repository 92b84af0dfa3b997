-- Acquire either side of a fair read/write lock in turn, or learn how long to wait: a waiting
-- acquisition.
-- KEYS: the writer, the readers, the fair queue, the fence counter, the given-up set.
-- ARGV: token, lease ms, fence retention ms, alive ms, alive-key prefix, kind ('w' writer, 'r'
--       reader), release channel.
-- Queues kind .. token at the tail if it is not queued and refreshes its alive key
-- (lib/join_queue.lua). Then walks the queue from its head to the entry, dropping dead entries, up
-- to the first live entry that blocks it: for a writer any entry, for a reader a writer's. Takes
-- the lock if nothing blocks it and the lock is free for its kind (a writer: no writer and no live
-- reader; a reader: no writer), and leaves the queue. An entry blocked by a queued entry that
-- could go in now (the lock is free for that entry's kind) tells that entry, which may have
-- missed the release that let it in; the telling goes towards the head only.
-- Returns {1, fencing token} when it took the lock; else {0, ms}, the time to wait before the
-- next attempt: the holder's remaining lease, at most a third of the alive time (so that a waiter
-- refreshes its place before it lapses). A given-up token gets an error reply.
local writerKey = KEYS[1]
local readersKey = KEYS[2]
local queueKey = KEYS[3]
local fenceKey = KEYS[4]
local givenUpKey = KEYS[5]
local token = ARGV[1]
local leaseMs = ARGV[2]
local fenceRetentionMs = ARGV[3]
local aliveMs = ARGV[4]
local alivePrefix = ARGV[5]
local kind = ARGV[6]
local channel = ARGV[7]

if redis.call('ZSCORE', givenUpKey, token) then return givenUpError() end
local me = kind .. token
local refresh = math.floor(tonumber(aliveMs) / 3)
joinQueue(queueKey, me, alivePrefix .. token, aliveMs)
local t, nowms = dropExpiredReaders(readersKey)
local blocker = nil
local blockerKind = nil
for _, e in ipairs(redis.call('ZRANGE', queueKey, 0, -1)) do
  if e == me then break end
  if redis.call('EXISTS', alivePrefix .. string.sub(e, 2)) == 0 then
    redis.call('ZREM', queueKey, e)
  elseif kind == 'w' or string.sub(e, 1, 1) == 'w' then
    blocker = string.sub(e, 2)
    blockerKind = string.sub(e, 1, 1)
    break
  end
end
local writer = redis.call('GET', writerKey)
local readers = redis.call('ZCARD', readersKey)
local free = not writer and (kind == 'r' or readers == 0)
if free and not blocker then
  redis.call('ZREM', queueKey, me)
  redis.call('DEL', alivePrefix .. token)
  if kind == 'w' then
    redis.call('SET', writerKey, token, 'PX', leaseMs)
  else
    redis.call('ZADD', readersKey, nowms + tonumber(leaseMs), token)
    keepReaders(readersKey, nowms)
  end
  return {1, nextFence(fenceKey, fenceRetentionMs, t)}
end
if blocker and not writer and (blockerKind == 'r' or readers == 0) then
  redis.call('PUBLISH', channel, blocker)
end
local wait = refresh
if writer then wait = redis.call('PTTL', writerKey)
elseif kind == 'w' and readers > 0 then
  local top = redis.call('ZRANGE', readersKey, -1, -1, 'WITHSCORES')
  wait = math.floor(tonumber(top[2]) - nowms)
end
if wait < 0 or wait > refresh then wait = refresh end
return {0, wait}
