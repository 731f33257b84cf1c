-- protostar-queue v1: release (graceful shutdown)
-- ARGV: prefix, then pairs of jobId, lease
-- Puts jobs still held under these leases back at the front of their waiting list (next to be claimed), the
-- attempt not counted (the job did not fail; its worker stopped). Returns how many.
local prefix = ARGV[1]
local n = 0
for i = 2, #ARGV, 2 do
  local id, lease = ARGV[i], ARGV[i + 1]
  local key = prefix .. 'job:' .. id
  if redis.call('HGET', key, 'lease') == lease then
    redis.call('ZREM', prefix .. 'active', id)
    redis.call('HDEL', key, 'lease', 'worker')
    redis.call('HINCRBY', key, 'attempts', -1)
    redis.call('HSET', key, 'state', 'waiting')
    redis.call('RPUSH', prefix .. 'wait:' .. redis.call('HGET', key, 'type'), id)
    n = n + 1
  end
end
if n > 0 then
  redis.call('LPUSH', prefix .. 'wake', '1')
  redis.call('LTRIM', prefix .. 'wake', 0, 63)
end
return n
