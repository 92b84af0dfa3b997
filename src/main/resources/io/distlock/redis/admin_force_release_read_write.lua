-- The operator's forced release (LockAdmin.forceReleaseReadWrite) of a read/write lock's holders.
-- KEYS: the writer, the readers.
-- ARGV: release channel, '1' to release every holder ('0' to release the ones named), then the
--       tokens of the holders to release.
-- The holders are the writer (its key) and the live readers (the sorted set; a write holder's
-- own read sits beside its write). With holders named, every one of them must hold the lock now,
-- else nothing changes; the others are kept. Deletes the writer key or takes the readers out,
-- keeps the fence, and announces the release as a release does ('0': every waiter, fair or not,
-- looks again).
-- Returns {} if nobody held the lock; {0, writer or '', readers...}, who holds it, if a holder
-- named does not (nothing changed); else {1, writer released or '', readers released...}.
local writerKey = KEYS[1]
local readersKey = KEYS[2]
local channel = ARGV[1]
local every = ARGV[2] == '1'
local named = {unpack(ARGV, 3)}

local t, nowms = dropExpiredReaders(readersKey)
local writer = redis.call('GET', writerKey)
local readers = redis.call('ZRANGE', readersKey, 0, -1)
if not writer and #readers == 0 then return {} end
local isReader = {}
for _, r in ipairs(readers) do isReader[r] = true end

local releaseWriter = every and writer ~= false
local releaseReaders = {}
if every then
  releaseReaders = readers
else
  for _, h in ipairs(named) do
    if writer and h == writer then
      releaseWriter = true
    elseif isReader[h] then
      releaseReaders[#releaseReaders + 1] = h
    else
      local now = {0, writer or ''}
      for _, r in ipairs(readers) do now[#now + 1] = r end
      return now
    end
  end
end

local out = {1, ''}
if releaseWriter then
  redis.call('DEL', writerKey)
  out[2] = writer
end
for _, r in ipairs(releaseReaders) do
  redis.call('ZREM', readersKey, r)
  out[#out + 1] = r
end
redis.call('PUBLISH', channel, '0')
return out
