-- markGivenUp(givenUpKey, token): records token as given up for GIVEN_UP_MILLIS (15 minutes,
-- RedisScript.GIVEN_UP_MILLIS) in the sorted set givenUpKey, scored by when each record ends, and
-- drops the records that have ended. Run by a release that finds its token owning nothing: the
-- clean-up after an acquisition whose answer was lost (or the unlock of a lost lease, whose token
-- nobody uses again either). See given_up_error.lua.
local GIVEN_UP_MILLIS = 900000

local function markGivenUp(givenUpKey, token)
  local t = redis.call('TIME')
  local nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', givenUpKey, '-inf', nowms)
  redis.call('ZADD', givenUpKey, nowms + GIVEN_UP_MILLIS, token)
  redis.call('PEXPIRE', givenUpKey, GIVEN_UP_MILLIS)
end
