-- protostar-queue v1: extend (heartbeat)
-- ARGV: prefix, leaseMs, then pairs of jobId, lease
-- Moves the lease deadline of each job still held under that lease to now + leaseMs.
-- Returns the ids whose lease was lost (taken over after expiring, or released).
local prefix, leaseMs = ARGV[1], tonumber(ARGV[2])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local lost = {}
for i = 3, #ARGV, 2 do
  local id, lease = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', prefix .. 'job:' .. id, 'lease') == lease
      and redis.call('ZSCORE', prefix .. 'active', id) then
    redis.call('ZADD', prefix .. 'active', 'XX', now + leaseMs, id)
  else
    lost[#lost + 1] = id
  end
end
return lost
