-- protostar-queue v1: maintain (every worker runs it about once a second)
-- ARGV: prefix, limit
-- 1. Promotes delayed jobs that are due to the back of their waiting list.
-- 2. Recovers jobs whose lease expired (their worker died or hung: it stopped renewing
--    the lease): back to the front of their waiting list, or dead-lettered when the
--    attempt that expired was the last one (a job that kills its worker every time).
-- At most limit jobs of each kind per call. Returns {promoted, recovered, deadLettered}.
local prefix, limit = ARGV[1], tonumber(ARGV[2])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local promoted, recovered, dead = 0, 0, 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', prefix .. 'delayed', '-inf', now, 'LIMIT', 0, limit)) do
  redis.call('ZREM', prefix .. 'delayed', id)
  local key = prefix .. 'job:' .. id
  local jtype = redis.call('HGET', key, 'type')
  if jtype then
    redis.call('HSET', key, 'state', 'waiting', 'enqueuedAt', now)
    redis.call('HDEL', key, 'dueAt')
    redis.call('LPUSH', prefix .. 'wait:' .. jtype, id)
    promoted = promoted + 1
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', prefix .. 'active', '-inf', now, 'LIMIT', 0, limit)) do
  redis.call('ZREM', prefix .. 'active', id)
  local key = prefix .. 'job:' .. id
  local f = redis.call('HMGET', key, 'type', 'attempts', 'maxAttempts', 'worker')
  if f[1] then
    redis.call('HDEL', key, 'lease')
    redis.call('HSET', key, 'lastError', 'lease expired: worker ' .. (f[4] or '?') ..
      ' stopped renewing it (died or hung)', 'lastErrorAt', now)
    if tonumber(f[2]) >= tonumber(f[3]) then
      redis.call('HSET', key, 'state', 'dead', 'failedAt', now)
      redis.call('ZADD', prefix .. 'dead', now, id)
      redis.call('HINCRBY', prefix .. 'stats', 'dead', 1)
      dead = dead + 1
    else
      redis.call('HSET', key, 'state', 'waiting')
      redis.call('RPUSH', prefix .. 'wait:' .. f[1], id)
      recovered = recovered + 1
    end
  end
end
if recovered > 0 then
  redis.call('HINCRBY', prefix .. 'stats', 'recovered', recovered)
end
if promoted + recovered > 0 then
  redis.call('LPUSH', prefix .. 'wake', '1')
  redis.call('LTRIM', prefix .. 'wake', 0, 63)
end
return {promoted, recovered, dead}
