-- nextFence(fenceKey, retentionMs, t): the next fencing token of the counter at fenceKey (kept for
-- retentionMs), given t, a reply of TIME: max(last + 1, server time in microseconds), monotonic
-- while the counter lives and still growing after a restart that lost it, as long as the clock
-- does. One write in the common case: the SET stores the clock and reads the old value back; only
-- if the old value is not below the clock (a clock step back, or the same microsecond) is the
-- counter written again, as last + 1.
local function nextFence(fenceKey, retentionMs, t)
  local fence = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local last = tonumber(redis.call('SET', fenceKey, string.format('%.0f', fence), 'PX', retentionMs, 'GET') or '0') or 0
  if last >= fence then
    fence = last + 1
    redis.call('SET', fenceKey, string.format('%.0f', fence), 'PX', retentionMs)
  end
  return fence
end
