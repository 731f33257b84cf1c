-- protostar-queue v1: dlq-list
-- ARGV: prefix, limit
-- Returns the number of dead jobs, then 6 elements per job, newest first, at most limit:
--   id, type, attempts, maxAttempts, failedAt (ms), lastError (one line, at most 300 chars, '-' when none)
local prefix, limit = ARGV[1], tonumber(ARGV[2])
local out = {redis.call('ZCARD', prefix .. 'dead')}
if not limit or limit < 1 then
  return out
end
for _, id in ipairs(redis.call('ZREVRANGE', prefix .. 'dead', 0, limit - 1)) do
  local f = redis.call('HMGET', prefix .. 'job:' .. id, 'type', 'attempts', 'maxAttempts', 'failedAt', 'lastError')
  local err = string.sub(string.gsub(f[5] or '', '%s+', ' '), 1, 300)
  if err == '' then err = '-' end
  out[#out + 1] = id
  out[#out + 1] = f[1] or '?'
  out[#out + 1] = f[2] or '?'
  out[#out + 1] = f[3] or '?'
  out[#out + 1] = f[4] or '?'
  out[#out + 1] = err
end
return out
