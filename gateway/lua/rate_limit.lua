-- Fixed-window rate limit, one counter per client and bucket; atomic so concurrent gateway
-- replicas count together.
-- KEYS[1] counter key; ARGV[1] window in milliseconds.
-- Returns {count in this window, milliseconds until the window ends}.
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
