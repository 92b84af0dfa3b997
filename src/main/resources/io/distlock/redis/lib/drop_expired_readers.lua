-- dropExpiredReaders(readersKey): drops the readers whose lease has ended from the sorted set
-- readersKey (scored by the end of each lease, server time in ms); returns the reply of TIME it
-- read and that time in ms, for the caller's own use.
local function dropExpiredReaders(readersKey)
  local t = redis.call('TIME')
  local nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', readersKey, '-inf', nowms)
  return t, nowms
end
