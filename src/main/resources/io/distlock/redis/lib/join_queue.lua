-- joinQueue(queueKey, entry, aliveKey, aliveMs): queues entry at the tail of the fair queue
-- queueKey unless it is queued already (score: server time in microseconds, above every score
-- queued, so first come first served), then refreshes the entry's alive key (which expires with
-- its JVM) for aliveMs and keeps the queue alive twice that.
local function joinQueue(queueKey, entry, aliveKey, aliveMs)
  if not redis.call('ZSCORE', queueKey, entry) then
    local t = redis.call('TIME')
    local score = tonumber(t[1]) * 1000000 + tonumber(t[2])
    local last = redis.call('ZRANGE', queueKey, -1, -1, 'WITHSCORES')
    if #last > 0 and tonumber(last[2]) >= score then score = tonumber(last[2]) + 1 end
    redis.call('ZADD', queueKey, string.format('%.0f', score), entry)
  end
  redis.call('SET', aliveKey, '1', 'PX', aliveMs)
  redis.call('PEXPIRE', queueKey, 2 * tonumber(aliveMs))
end
