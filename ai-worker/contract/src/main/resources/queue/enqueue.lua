-- protostar-queue v1: enqueue
-- ARGV: prefix, jobId, type, payload (JSON), maxAttempts
-- Returns 1 when the job was added, 0 when a job with this id already exists
-- (deduplication: the id is the idempotency key; see ai-worker/QUEUE.md).
local prefix, id, jtype, payload = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local maxAttempts = tonumber(ARGV[5])
if #id > 128 or not id:match('^[%w][%w._:-]*$') then
  return redis.error_reply('ERR invalid job id: want 1-128 of [A-Za-z0-9._:-], starting alphanumeric')
end
if #jtype > 32 or not jtype:match('^[a-z][a-z0-9-]*$') then
  return redis.error_reply('ERR invalid job type: want [a-z][a-z0-9-]*')
end
if not maxAttempts or maxAttempts < 1 then
  return redis.error_reply('ERR maxAttempts must be a number >= 1')
end
local key = prefix .. 'job:' .. id
if redis.call('EXISTS', key) == 1 then
  return 0
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('HSET', key, 'v', '1', 'id', id, 'type', jtype, 'payload', payload, 'state', 'waiting',
  'attempts', 0, 'maxAttempts', maxAttempts, 'createdAt', now, 'enqueuedAt', now)
redis.call('LPUSH', prefix .. 'wait:' .. jtype, id)
redis.call('HINCRBY', prefix .. 'stats', 'enqueued', 1)
redis.call('LPUSH', prefix .. 'wake', '1')
redis.call('LTRIM', prefix .. 'wake', 0, 63)
return 1
