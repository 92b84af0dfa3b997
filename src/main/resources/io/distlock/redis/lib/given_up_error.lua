-- givenUpError(): the error reply to an acquire request whose token was given up (is in the
-- given-up set, see mark_given_up.lua): a request that reached the server after the factory gave
-- up waiting for its answer and cleaned up after it (the clean-up's release ran first and found
-- nothing to delete). Without the refusal the late request would take the lock (or a reader's
-- place, or a place in a fair queue) for a token nobody holds, and shut every JVM out for a whole
-- lease. No live acquisition uses a given-up token; were one to, the engine drops it on this
-- reply and goes on with a new token. The reply starts with RedisScript.GIVEN_UP_ERROR.
local function givenUpError()
  return redis.error_reply('DISTLOCK-GIVEN-UP this acquisition was given up')
end
