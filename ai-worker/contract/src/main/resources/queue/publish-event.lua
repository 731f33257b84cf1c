-- protostar-queue v1: publish-event
-- KEYS[1]: the user's event stream (protostar:events:user:<userId>)
-- ARGV: notify channel, maxLen, ttlSeconds, jobId, event, data (JSON)
-- Appends the event (XADD, approximately capped at maxLen entries), keeps the stream for
-- ttlSeconds after its last event, and publishes the entry id on the user's channel so
-- the backend instance holding that user's SSE connection wakes up. Returns the entry id,
-- which is the SSE event id (Last-Event-ID replays with XRANGE from it, exclusive).
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
  'v', '1', 'jobId', ARGV[4], 'event', ARGV[5], 'data', ARGV[6])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[1], id)
return id
