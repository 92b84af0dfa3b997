-- Condition signal: wake waiters of the condition, first come first served.
-- KEYS: the lock (exclusive, or the writer), the condition's queue.
-- ARGV: token, most to wake, waiters' alive-key prefix, waiters' signal-channel prefix.
-- If the token owns the lock: pops waiters from the head of the queue; each whose alive key still
-- exists (its JVM is alive) is woken (alive key deleted, a message on its own channel) and
-- listed, until enough are woken or the queue is empty. The alive keys and channels share the
-- lock's hash slot.
-- Returns the ids of the waiters woken, oldest first (the signalling JVM transfers its own to the
-- lock's queue), or -1 if the token does not own the lock.
local lockKey = KEYS[1]
local queueKey = KEYS[2]
local token = ARGV[1]
local want = tonumber(ARGV[2])
local alivePrefix = ARGV[3]
local signalPrefix = ARGV[4]

if redis.call('GET', lockKey) ~= token then return -1 end
local woken = {}
while #woken < want do
  local head = redis.call('ZRANGE', queueKey, 0, 0)
  if #head == 0 then break end
  redis.call('ZREM', queueKey, head[1])
  if redis.call('DEL', alivePrefix .. head[1]) == 1 then
    redis.call('PUBLISH', signalPrefix .. head[1], '1')
    woken[#woken + 1] = head[1]
  end
end
return woken
