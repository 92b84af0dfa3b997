-- Release an exclusive lock (non-fair), or clean up after an acquisition whose answer was lost.
-- KEYS: the lock, the set of those waiting, the given-up set, the fence counter.
-- ARGV: token, release channel.
-- Deletes the lock only if it holds the token. If someone is marked as waiting for it (the set of
-- those waiting exists), the set is cleared and the release announced; the reply then tells the
-- releasing factory to keep the lock from its own waiting acquisitions for the hand-over window
-- (see acquire.lua). Nobody waits on the lock's channel without being in the set: a non-fair
-- waiter joins it with every attempt that finds the lock busy, and a fair waiter with every
-- attempt that does not take it (fair_acquire.lua), each until it takes the lock or gives up. So a
-- release nobody waits for announces nothing.
-- A token that does not own the lock (the clean-up after an acquisition whose outcome was
-- unknown) is taken out of the set of those waiting and recorded as given up
-- (lib/mark_given_up.lua).
-- Returns the fence counter (> 1: see lib/next_fence.lua; 2 if it is gone) if released while
-- someone waited (announced: the factory reserves the lock with it, see acquire.lua), 1 if
-- released, 0 if the token did not own the lock.
local lockKey = KEYS[1]
local waitingKey = KEYS[2]
local givenUpKey = KEYS[3]
local fenceKey = KEYS[4]
local token = ARGV[1]
local channel = ARGV[2]

if redis.call('GET', lockKey) ~= token then
  redis.call('SREM', waitingKey, token)
  markGivenUp(givenUpKey, token)
  return 0
end
-- one DEL of both: 2 deleted if the set of those waiting existed
if redis.call('DEL', lockKey, waitingKey) == 1 then return 1 end
redis.call('PUBLISH', channel, '0')
return math.max(tonumber(redis.call('GET', fenceKey) or '2') or 2, 2)
