-- Release a fair exclusive lock, withdraw a fair waiter, or clean up after an acquisition whose
-- answer was lost.
-- KEYS: the lock, the fair queue, the set of those waiting (see acquire.lua), the given-up set.
-- ARGV: token, release channel, alive-key prefix, '1' for a release ('0' for the withdrawal of a
--       waiter whose every attempt was answered).
-- Takes the token out of the queue and out of the set of those waiting (so that waiters that gave
-- up do not pile up in it), deletes its alive key, deletes the lock if the token owns it, else (a
-- release) records the token as given up (lib/mark_given_up.lua). If the lock is then free, tells
-- the live head of the queue (or everyone, if the queue is empty and the token owned the lock).
-- Returns 0 if the token did not own the lock, else 1 + the subscribers told.
local lockKey = KEYS[1]
local queueKey = KEYS[2]
local waitingKey = KEYS[3]
local givenUpKey = KEYS[4]
local token = ARGV[1]
local channel = ARGV[2]
local alivePrefix = ARGV[3]
local isRelease = ARGV[4] == '1'

redis.call('ZREM', queueKey, token)
redis.call('SREM', waitingKey, token)
redis.call('DEL', alivePrefix .. token)
local owned = redis.call('GET', lockKey) == token
if not owned and isRelease then markGivenUp(givenUpKey, token) end
if owned then redis.call('DEL', lockKey) elseif redis.call('EXISTS', lockKey) == 1 then return 0 end
local head = liveHead(queueKey, alivePrefix)
local told = 0
if head then told = redis.call('PUBLISH', channel, head)
elseif owned then told = redis.call('PUBLISH', channel, '0') end
if owned then return 1 + told end
return 0
