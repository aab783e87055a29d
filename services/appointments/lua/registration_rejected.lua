-- registrations' RegistrationRejected: the holder of the rejection's code may book one counter
-- visit at the office, and the booking names the case for the clerk. KEYS[1] inbox key;
-- ARGV[3] code, [4] office, [5] registration id, [6] entitlement lifetime ms, [7] inbox ttl (s).
-- Returns 1, or 0 for an event applied before.
if inbox_seen(KEYS[1]) then return 0 end
local key = P .. 'pickup:' .. ARGV[3]
if redis.call('EXISTS', key) == 0 then
  redis.call('HSET', key, 'kind', 'registration', 'office', ARGV[4], 'application', ARGV[5],
             'booking', '', 'status', 'open', 'at', now_ms())
  redis.call('PEXPIRE', key, ARGV[6])
end
inbox_claim(KEYS[1], ARGV[7])
return 1
