-- Renew a lease (an exclusive lock's, or a write lock's) if the token still holds it.
-- KEYS: the lock. ARGV: token, lease ms.
-- Returns 1 if renewed, 0 if the token does not hold the lock.
local lockKey = KEYS[1]
local token = ARGV[1]
local leaseMs = ARGV[2]

if redis.call('GET', lockKey) == token then
  return redis.call('PEXPIRE', lockKey, leaseMs)
end
return 0
