-- liveHead(queueKey, alivePrefix): drops the dead entries at the head of the fair queue queueKey
-- (their alive key, alivePrefix .. entry, has expired with their JVM) and returns the first live
-- entry, or nil if none is left.
local function liveHead(queueKey, alivePrefix)
  while true do
    local h = redis.call('ZRANGE', queueKey, 0, 0)
    if #h == 0 then return nil end
    if redis.call('EXISTS', alivePrefix .. h[1]) == 1 then return h[1] end
    redis.call('ZREM', queueKey, h[1])
  end
end
