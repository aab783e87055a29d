-- Reads one office day for availability, without writing: the use per bucket, the Redis time,
-- and the holds that expired but were not purged yet (the caller subtracts them).
-- ARGV[3] office, ARGV[4] date. Returns {now_ms, {bucket, used, ...}, {expired member, ...}}.
local now = now_ms()
return {now, redis.call('HGETALL', cap_key(ARGV[3], ARGV[4])),
        redis.call('ZRANGEBYSCORE', holds_key(ARGV[3], ARGV[4]), '-inf', now)}
