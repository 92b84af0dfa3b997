-- Release the write side of a read/write lock (non-fair), or clean up after an acquisition whose
-- answer was lost.
-- KEYS: the writer, the given-up set. ARGV: token, release channel.
-- Deletes the writer key only if it holds the token, then announces the release; a token that
-- does not own it is recorded as given up (lib/mark_given_up.lua).
-- Returns 0 if the token did not own the key, else 1 + the subscribers told.
local writerKey = KEYS[1]
local givenUpKey = KEYS[2]
local token = ARGV[1]
local channel = ARGV[2]

if redis.call('GET', writerKey) == token then
  redis.call('DEL', writerKey)
  return 1 + redis.call('PUBLISH', channel, '0')
end
markGivenUp(givenUpKey, token)
return 0
