-- nextFence(fenceKey, retentionMs, t): the next fencing token of the counter at fenceKey (kept for
-- retentionMs), given t, a reply of TIME: max(last + 1, server time in microseconds), monotonic
-- while the counter lives and still growing after a restart that lost it, as long as the clock
-- does. One write in the common case: the SET stores the clock and reads the old value back; only
-- if the old value is not below the clock (a clock step back, or the same microsecond) is the
-- counter written again, as last + 1. The clock's digits are joined from TIME's two fields (the
-- microseconds zero-padded to six) rather than formatted from a number: string.format costs the
-- hot path about a microsecond.
local function nextFence(fenceKey, retentionMs, t)
  local us = t[2]
  local now = t[1] .. string.sub('000000', #us + 1) .. us
  local fence = tonumber(now)
  local last = redis.call('SET', fenceKey, now, 'PX', retentionMs, 'GET')
  if not last then return fence end
  local lastNumber = tonumber(last) or 0
  if lastNumber < fence then return fence end
  fence = lastNumber + 1
  redis.call('SET', fenceKey, string.format('%.0f', fence), 'PX', retentionMs)
  return fence
end
