-- keepReaders(readersKey, nowms): keeps the readers set alive as long as its longest reader lease
-- (+ 1 s), given the server time nowms. The set must not be empty.
local function keepReaders(readersKey, nowms)
  local top = redis.call('ZRANGE', readersKey, -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', readersKey, math.floor(tonumber(top[2]) - nowms) + 1000)
end
