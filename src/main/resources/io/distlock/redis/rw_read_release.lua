-- Release the read side of a read/write lock (non-fair), or clean up after an acquisition whose
-- answer was lost.
-- KEYS: the writer (not read), the readers, the given-up set. ARGV: token, release channel.
-- Takes the reader out; a token that is not among the readers (not even with an expired lease) is
-- recorded as given up (lib/mark_given_up.lua).
-- Returns 0 if the reader was not there or its lease had ended, else 1 + the subscribers told.
local readersKey = KEYS[2]
local givenUpKey = KEYS[3]
local token = ARGV[1]
local channel = ARGV[2]

local t = redis.call('TIME')
local nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leaseEnd = redis.call('ZSCORE', readersKey, token)
if not leaseEnd then
  markGivenUp(givenUpKey, token)
  return 0
end
redis.call('ZREM', readersKey, token)
if tonumber(leaseEnd) < nowms then return 0 end
return 1 + redis.call('PUBLISH', channel, '0')
