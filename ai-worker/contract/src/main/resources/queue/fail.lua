-- protostar-queue v1: fail
-- ARGV: prefix, jobId, lease, error, retryable (1|0), delayMs
-- A retryable failure with attempts left goes to the delayed set, due in delayMs
-- (returns 1); otherwise the job is dead-lettered (returns 2). Returns 0 when the lease
-- is no longer held (nothing changes).
local prefix, id, lease, err = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local retryable, delay = ARGV[5] == '1', tonumber(ARGV[6])
local key = prefix .. 'job:' .. id
if redis.call('HGET', key, 'lease') ~= lease then
  return 0
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREM', prefix .. 'active', id)
redis.call('HDEL', key, 'lease')
redis.call('HSET', key, 'lastError', err, 'lastErrorAt', now)
local f = redis.call('HMGET', key, 'attempts', 'maxAttempts')
if retryable and tonumber(f[1]) < tonumber(f[2]) then
  redis.call('HSET', key, 'state', 'delayed', 'dueAt', now + delay)
  redis.call('ZADD', prefix .. 'delayed', now + delay, id)
  redis.call('HINCRBY', prefix .. 'stats', 'retried', 1)
  return 1
end
redis.call('HSET', key, 'state', 'dead', 'failedAt', now)
redis.call('ZADD', prefix .. 'dead', now, id)
redis.call('HINCRBY', prefix .. 'stats', 'dead', 1)
return 2
