-- protostar-queue v1: complete
-- ARGV: prefix, retentionMs, eventsMaxLen, eventsTtlSeconds, then for each job five values:
--   jobId, lease, stream, channel, data
-- Completes each job still held under its lease and, in the same step, appends its
-- `completed` event (data: the event's JSON) to the user's stream and announces it on
-- the channel, as publish-event does; an empty stream means the job has no user to tell.
-- A job whose lease is no longer held (taken over or released) is left alone and its
-- event not published: its result is ignored. Returns one value per job, in order: 1
-- completed, 0 lease not held. The hash is kept for retentionMs so that a duplicate
-- enqueue of the same id within that window is still recognised.
local prefix, retention, maxLen, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local done, completed = {}, 0
for i = 5, #ARGV, 5 do
  local id, lease, stream, channel, data = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local key = prefix .. 'job:' .. id
  if redis.call('HGET', key, 'lease') == lease then
    redis.call('ZREM', prefix .. 'active', id)
    redis.call('HSET', key, 'state', 'completed', 'finishedAt', now)
    redis.call('HDEL', key, 'lease', 'payload')
    redis.call('PEXPIRE', key, retention)
    if stream ~= '' then
      local entry = redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*',
        'v', '1', 'jobId', id, 'event', 'completed', 'data', data)
      redis.call('EXPIRE', stream, ttl)
      redis.call('PUBLISH', channel, entry)
    end
    completed = completed + 1
    done[#done + 1] = 1
  else
    done[#done + 1] = 0
  end
end
if completed > 0 then
  redis.call('HINCRBY', prefix .. 'stats', 'completed', completed)
end
return done
