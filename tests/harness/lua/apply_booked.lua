-- The test kit service's change for one consumed AppointmentBooked: checks first, changes, claims
-- the inbox last (Redis keeps what a failing script wrote, so nothing may fail after a write).
-- KEYS[1] inbox key, KEYS[2] applied counts (hash ce_id -> n), KEYS[3] deliveries counter.
-- ARGV[1] inbox ttl (s), ARGV[2] ce_id, ARGV[3] "1" to apply without the inbox (the fault test
-- shows that it then applies twice).
redis.call('INCR', KEYS[3])
local guarded = ARGV[3] ~= '1'
if guarded and inbox_seen(KEYS[1]) then
  return 0
end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
if guarded then inbox_claim(KEYS[1], ARGV[1]) end
return 1
