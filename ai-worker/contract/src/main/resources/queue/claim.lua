-- protostar-queue v1: claim
-- ARGV: prefix, workerId, count, leaseMs, type... (in priority order: the first type's
-- jobs are all taken before any of the next one's)
-- Moves up to count waiting jobs into the active set with a lease deadline, counting the
-- attempt. Returns a flat array, 8 elements per job:
--   id, type, payload, attempts, maxAttempts, lease, enqueuedAt, claimedAt
-- The lease token (workerId:claims) must accompany complete/fail/extend/release, so a
-- worker whose lease was taken over cannot change the job any more.
local prefix, worker = ARGV[1], ARGV[2]
local count, leaseMs = tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local out, taken = {}, 0
for i = 5, #ARGV do
  local wait = prefix .. 'wait:' .. ARGV[i]
  while taken < count do
    local id = redis.call('RPOP', wait)
    if not id then break end
    local key = prefix .. 'job:' .. id
    -- A list entry without its hash (purged, expired) is dropped.
    if redis.call('EXISTS', key) == 1 then
      local claims = redis.call('HINCRBY', key, 'claims', 1)
      local attempts = redis.call('HINCRBY', key, 'attempts', 1)
      local lease = worker .. ':' .. claims
      redis.call('HSET', key, 'state', 'active', 'worker', worker, 'lease', lease, 'startedAt', now)
      redis.call('ZADD', prefix .. 'active', now + leaseMs, id)
      local f = redis.call('HMGET', key, 'type', 'payload', 'maxAttempts', 'enqueuedAt')
      out[#out + 1] = id
      out[#out + 1] = f[1]
      out[#out + 1] = f[2]
      out[#out + 1] = tostring(attempts)
      out[#out + 1] = f[3]
      out[#out + 1] = lease
      out[#out + 1] = f[4]
      out[#out + 1] = tostring(now)
      taken = taken + 1
    end
  end
end
return out
