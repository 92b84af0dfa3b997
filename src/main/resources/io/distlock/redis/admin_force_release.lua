-- The operator's forced release (LockAdmin.forceRelease) of an exclusive lock.
-- KEYS: the lock, the fair queue, the fence counter.
-- ARGV: release channel, the fair queue's alive-key prefix, the holder to release ('' for any).
-- Deletes the lease if that holder has it, keeps the fence, and announces the release as
-- fair_release.lua does (to the live head of the fair queue if there is one, else to everyone).
-- Returns {} if nobody held the lock, {holder} if another holder has it (nothing changed), else
-- {holder token, PTTL it had, last fencing token}.
local lockKey = KEYS[1]
local queueKey = KEYS[2]
local fenceKey = KEYS[3]
local channel = ARGV[1]
local alivePrefix = ARGV[2]
local expectedHolder = ARGV[3]

local holder = redis.call('GET', lockKey)
if not holder then return {} end
if expectedHolder ~= '' and holder ~= expectedHolder then return {holder} end
local ttl = redis.call('PTTL', lockKey)
redis.call('DEL', lockKey)
local head = liveHead(queueKey, alivePrefix)
if head then redis.call('PUBLISH', channel, head) else redis.call('PUBLISH', channel, '0') end
return {holder, ttl, redis.call('GET', fenceKey) or '0'}
