-- protostar-queue v1: replay
-- ARGV: prefix, jobId
-- Moves a dead job back to the back of its waiting list with its attempts reset (its
-- lastError is kept until the next failure). Returns 1, or 0 when the id is not in the
-- dead-letter store.
local prefix, id = ARGV[1], ARGV[2]
local key = prefix .. 'job:' .. id
if redis.call('ZSCORE', prefix .. 'dead', id) == false then
  return 0
end
redis.call('ZREM', prefix .. 'dead', id)
local jtype = redis.call('HGET', key, 'type')
if not jtype then
  return 0
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('HSET', key, 'state', 'waiting', 'attempts', 0, 'enqueuedAt', now, 'replayedAt', now)
redis.call('HDEL', key, 'failedAt')
redis.call('HINCRBY', key, 'replays', 1)
redis.call('LPUSH', prefix .. 'wait:' .. jtype, id)
redis.call('HINCRBY', prefix .. 'stats', 'replayed', 1)
redis.call('LPUSH', prefix .. 'wake', '1')
redis.call('LTRIM', prefix .. 'wake', 0, 63)
return 1
