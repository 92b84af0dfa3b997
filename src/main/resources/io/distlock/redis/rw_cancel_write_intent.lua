-- A waiting writer of a read/write lock (non-fair) gives up: clears the intent to write if it is
-- this writer's, and tells the waiting readers.
-- KEYS: the writer's intent. ARGV: token, release channel.
-- Returns 0.
local intentKey = KEYS[1]
local token = ARGV[1]
local channel = ARGV[2]

if redis.call('GET', intentKey) == token then
  redis.call('DEL', intentKey)
  redis.call('PUBLISH', channel, '0')
end
return 0
