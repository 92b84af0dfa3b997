-- Release either side of a fair read/write lock, withdraw a fair waiter, or clean up after an
-- acquisition whose answer was lost.
-- KEYS: the writer, the readers, the fair queue, the given-up set.
-- ARGV: token, release channel, alive-key prefix, kind ('w' or 'r'), '1' for a release ('0' for
--       the withdrawal of a waiter whose every attempt was answered).
-- Takes the token out of the queue, deletes its alive key and gives back what it holds; a release
-- of a token that holds nothing and was never let in (no reader entry, an expired one included)
-- records it as given up (lib/mark_given_up.lua). If it held the lock or left the queue, tells
-- every waiter (readers queued behind a writer that left may now go in).
-- Returns 0 if the token held nothing, else 1 + the subscribers told.
local writerKey = KEYS[1]
local readersKey = KEYS[2]
local queueKey = KEYS[3]
local givenUpKey = KEYS[4]
local token = ARGV[1]
local channel = ARGV[2]
local alivePrefix = ARGV[3]
local kind = ARGV[4]
local isRelease = ARGV[5] == '1'

local left = redis.call('ZREM', queueKey, kind .. token)
redis.call('DEL', alivePrefix .. token)
local owned = false
local applied = false
if kind == 'w' then
  owned = redis.call('GET', writerKey) == token
  if owned then redis.call('DEL', writerKey) end
  applied = owned
else
  local t = redis.call('TIME')
  local nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local leaseEnd = redis.call('ZSCORE', readersKey, token)
  if leaseEnd then
    redis.call('ZREM', readersKey, token)
    owned = tonumber(leaseEnd) >= nowms
    applied = true
  end
end
if not applied and isRelease then markGivenUp(givenUpKey, token) end
local told = 0
if owned or left == 1 then told = redis.call('PUBLISH', channel, '0') end
if owned then return 1 + told end
return 0
