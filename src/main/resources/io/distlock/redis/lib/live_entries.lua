-- liveEntries(queueKey, alivePrefix, skip): the entries of the queue queueKey, in order, whose
-- alive key exists: alivePrefix .. the entry from its skip-th character on (1: the whole entry; 2:
-- a read/write queue's entry after its kind). Read only: dead entries are left in place.
local function liveEntries(queueKey, alivePrefix, skip)
  local out = {}
  for _, e in ipairs(redis.call('ZRANGE', queueKey, 0, -1)) do
    if redis.call('EXISTS', alivePrefix .. string.sub(e, skip)) == 1 then out[#out + 1] = e end
  end
  return out
end
