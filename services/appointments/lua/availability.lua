-- Reads office days for availability, without writing, in one run for the whole range: per day
-- the use per bucket and the holds that expired but were not purged yet (the caller subtracts
-- them), and the Redis time.
-- ARGV[3] office, ARGV[4..] dates. Returns {now_ms, {bucket, used, ...} of day 1,
-- {expired member, ...} of day 1, the same for day 2, ...}.
local now = now_ms()
local out = {now}
for i = 4, #ARGV do
  out[#out + 1] = redis.call('HGETALL', cap_key(ARGV[3], ARGV[i]))
  out[#out + 1] = redis.call('ZRANGEBYSCORE', holds_key(ARGV[3], ARGV[i]), '-inf', now)
end
return out
