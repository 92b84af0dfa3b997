-- The operator's inspection of a name (LockAdmin.state): every key of its exclusive, fair and
-- read/write locks, at once. Read only.
-- KEYS: the lock, its fence counter, the set of those waiting, the fair queue, the read/write
--       writer, readers, intent and fair queue.
-- ARGV: the fair queue's alive-key prefix, the read/write fair queue's.
-- Returns {holder or '', PTTL, last fencing token or '0', waiting tokens, live fair-queue
-- entries, writer or '', live readers, intent or '', live read/write queue entries}.
local lockKey = KEYS[1]
local fenceKey = KEYS[2]
local waitingKey = KEYS[3]
local queueKey = KEYS[4]
local writerKey = KEYS[5]
local readersKey = KEYS[6]
local intentKey = KEYS[7]
local rwQueueKey = KEYS[8]
local alivePrefix = ARGV[1]
local rwAlivePrefix = ARGV[2]

local t = redis.call('TIME')
local nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {redis.call('GET', lockKey) or '', redis.call('PTTL', lockKey),
  redis.call('GET', fenceKey) or '0', redis.call('SMEMBERS', waitingKey), liveEntries(queueKey, alivePrefix, 1),
  redis.call('GET', writerKey) or '', redis.call('ZRANGEBYSCORE', readersKey, nowms, '+inf'),
  redis.call('GET', intentKey) or '', liveEntries(rwQueueKey, rwAlivePrefix, 2)}
