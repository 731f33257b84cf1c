-- protostar-queue v1: stats
-- ARGV: prefix, type...
-- Returns name, value pairs (values as strings):
--   waiting:<type>      jobs waiting, per type
--   oldest-age-ms:<type> age of the next job to be claimed (-1 when none waits)
--   active, delayed, dead  sizes of those sets
--   total:<counter>     counters since the queue's start: enqueued, completed, retried,
--                       dead, recovered, replayed
local prefix = ARGV[1]
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local out = {}
local function put(name, value)
  out[#out + 1] = name
  out[#out + 1] = tostring(value)
end
for i = 2, #ARGV do
  local wait = prefix .. 'wait:' .. ARGV[i]
  put('waiting:' .. ARGV[i], redis.call('LLEN', wait))
  local age = -1
  local oldest = redis.call('LINDEX', wait, -1)
  if oldest then
    local at = redis.call('HGET', prefix .. 'job:' .. oldest, 'enqueuedAt')
    if at then age = now - tonumber(at) end
  end
  put('oldest-age-ms:' .. ARGV[i], age)
end
put('active', redis.call('ZCARD', prefix .. 'active'))
put('delayed', redis.call('ZCARD', prefix .. 'delayed'))
put('dead', redis.call('ZCARD', prefix .. 'dead'))
local totals = redis.call('HGETALL', prefix .. 'stats')
for _, name in ipairs({'enqueued', 'completed', 'retried', 'dead', 'recovered', 'replayed'}) do
  local value = 0
  for i = 1, #totals, 2 do
    if totals[i] == name then value = totals[i + 1] end
  end
  put('total:' .. name, value)
end
return out
