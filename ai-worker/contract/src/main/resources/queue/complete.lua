-- protostar-queue v1: complete
-- ARGV: prefix, jobId, lease, retentionMs
-- Returns 1, or 0 when the lease is no longer held (the job was taken over or released:
-- its result is ignored). The hash is kept for retentionMs so a duplicate enqueue of the
-- same id within that window is still recognised.
local prefix, id, lease, retention = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local key = prefix .. 'job:' .. id
if redis.call('HGET', key, 'lease') ~= lease then
  return 0
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREM', prefix .. 'active', id)
redis.call('HSET', key, 'state', 'completed', 'finishedAt', now)
redis.call('HDEL', key, 'lease', 'payload')
redis.call('PEXPIRE', key, retention)
redis.call('HINCRBY', prefix .. 'stats', 'completed', 1)
return 1
