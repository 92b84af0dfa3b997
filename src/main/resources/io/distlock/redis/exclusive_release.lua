-- Release an exclusive lock (non-fair), or clean up after an acquisition whose answer was lost,
-- or withdraw a waiter that gives up (cancel).
-- KEYS: the lock, the set of those waiting, the given-up set, the fence counter.
-- ARGV: token, release channel, grant ms ('0': no hand-over, see below), fence retention ms,
--       '1' to record a token that owns nothing as given up (a release or clean-up), '0' not to
--       (a waiter withdrawing, all of whose attempts were answered).
-- Deletes the lock only if it holds the token. If someone is marked as waiting for it (the set of
-- those waiting exists), the set is cleared and the release announced; the reply then tells the
-- releasing factory to keep the lock from its own waiting acquisitions for the hand-over window
-- (see acquire.lua). Nobody waits on the lock's channel without being in the set: a non-fair
-- waiter joins it with every attempt that finds the lock busy, and a fair waiter with every
-- attempt that does not take it (fair_acquire.lua), each until it takes the lock or gives up. So a
-- release nobody waits for announces nothing.
-- Hand-over (grant ms > 0, a factory that asked for it): instead, a waiter is taken out of the
-- set at random (skipping given-up tokens), the lock is set to its token for grant ms, and the
-- release announced as "g:TOKEN:FENCE" with the waiter's fencing token; that waiter's factory
-- hears it and holds the lock without a request (only if FENCE is above the counter its last busy
-- answer reported; else, or unheard, its next attempt takes it: acquire.lua), the other waiters
-- try again as on any announcement and find it busy. A waiter that is gone holds the lock for
-- grant ms at most. Nothing is reserved then; a release nobody waits for announces nothing.
-- A token that does not own the lock (the clean-up after an acquisition whose outcome was
-- unknown) is taken out of the set of those waiting and recorded as given up
-- (lib/mark_given_up.lua) unless it is a waiter withdrawing; a withdrawing waiter that was handed
-- the lock meanwhile releases it like a holder.
-- Returns the fence counter (> 1: see lib/next_fence.lua; 2 if it is gone) if released while
-- someone waited (announced: the factory reserves the lock with it, see acquire.lua), 1 if
-- released (or handed over), 0 if the token did not own the lock.
local lockKey = KEYS[1]
local waitingKey = KEYS[2]
local givenUpKey = KEYS[3]
local fenceKey = KEYS[4]
local token = ARGV[1]
local channel = ARGV[2]
local grantMs = tonumber(ARGV[3])
local fenceRetentionMs = ARGV[4]
local recordGivenUp = ARGV[5] == '1'

if redis.call('GET', lockKey) ~= token then
  redis.call('SREM', waitingKey, token)
  if recordGivenUp then markGivenUp(givenUpKey, token) end
  return 0
end
if grantMs > 0 then
  local waiter = redis.call('SPOP', waitingKey)
  if not waiter then
    -- nobody waits: released, nothing announced, nothing reserved
    redis.call('DEL', lockKey)
    return 1
  end
  while waiter do
    if not redis.call('ZSCORE', givenUpKey, waiter) then
      redis.call('SET', lockKey, waiter, 'PX', grantMs)
      local fence = nextFence(fenceKey, fenceRetentionMs, redis.call('TIME'))
      -- (a number joined to a string would be written with 14 significant digits)
      redis.call('PUBLISH', channel, 'g:' .. waiter .. ':' .. string.format('%.0f', fence))
      return 1
    end
    waiter = redis.call('SPOP', waitingKey)
  end
  -- only given-up tokens were waiting (the set is gone now): released, announced as always
  redis.call('DEL', lockKey)
  redis.call('PUBLISH', channel, '0')
  return math.max(tonumber(redis.call('GET', fenceKey) or '2') or 2, 2)
end
-- one DEL of both: 2 deleted if the set of those waiting existed
if redis.call('DEL', lockKey, waitingKey) == 1 then return 1 end
redis.call('PUBLISH', channel, '0')
return math.max(tonumber(redis.call('GET', fenceKey) or '2') or 2, 2)
