-- protostar-queue v1: purge
-- ARGV: prefix, limit
-- Deletes up to limit dead jobs (oldest first) with their hashes. Returns how many; call
-- again until it returns 0 (bounded work per call keeps Redis responsive).
local prefix, limit = ARGV[1], tonumber(ARGV[2])
local ids = redis.call('ZRANGE', prefix .. 'dead', 0, limit - 1)
for _, id in ipairs(ids) do
  redis.call('ZREM', prefix .. 'dead', id)
  redis.call('DEL', prefix .. 'job:' .. id)
end
return #ids
