-- Release an exclusive lock (non-fair), or clean up after an acquisition whose answer was lost.
-- KEYS: the lock, the set of those waiting, the reservation, the given-up set.
-- ARGV: token, release channel, the releasing factory's id, the reservation window in ms.
-- Deletes the lock only if it holds the token; if another process marked the lock as waited for,
-- reserves it for the others for the window (see acquire.lua). A token that does not own the lock
-- (the clean-up after an acquisition whose outcome was unknown) is taken out of the set of those
-- waiting and recorded as given up (lib/mark_given_up.lua). Every release is announced, also when
-- nobody is marked as waiting: a waiter that does not join the set (a JVM on an earlier version
-- of this library, a fair waiter that found the lock free) must still hear it.
-- Returns 1 if released, 0 if the token did not own the lock.
local lockKey = KEYS[1]
local waitingKey = KEYS[2]
local reservationKey = KEYS[3]
local givenUpKey = KEYS[4]
local token = ARGV[1]
local channel = ARGV[2]
local factoryId = ARGV[3]
local reservationMs = ARGV[4]

if redis.call('GET', lockKey) ~= token then
  redis.call('SREM', waitingKey, token)
  markGivenUp(givenUpKey, token)
  return 0
end
redis.call('DEL', lockKey)
if redis.call('DEL', waitingKey) == 1 then redis.call('SET', reservationKey, factoryId, 'PX', reservationMs) end
redis.call('PUBLISH', channel, '0')
return 1
