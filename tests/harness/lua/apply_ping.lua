-- A consumer's state change for test events, guarded by the inbox.
-- KEYS[1] inbox key of the event, KEYS[2] applied counts (hash id -> n), KEYS[3] deliveries
-- counter, KEYS[4] last seq per aggregate (hash), KEYS[5] order violations counter.
-- ARGV[1] inbox ttl (s), ARGV[2] event id, ARGV[3] aggregate key, ARGV[4] seq.
redis.call('INCR', KEYS[3])
if inbox_seen(KEYS[1]) then
  return 0
end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
local seq = tonumber(ARGV[4])
local last = tonumber(redis.call('HGET', KEYS[4], ARGV[3]) or '-1')
if seq < last then
  redis.call('INCR', KEYS[5])
end
redis.call('HSET', KEYS[4], ARGV[3], ARGV[4])
inbox_claim(KEYS[1], ARGV[1])
return 1
