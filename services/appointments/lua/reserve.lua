-- Holds capacity for a reservation until now + hold (Redis time).
-- ARGV[3] office, [4] date, [5] first bucket, [6] buckets, [7] counters, [8] hold ms,
-- [9] reservation id, [10] start ms, [11] end ms, [12] services,
-- [13..20] AppointmentReserved event (payload without expires_at),
-- [21..28] ReservationExpired event, sent if the hold runs out, [30] the pickup or registration
-- code ('' when none), [31] its kind, [29] the booking code the
-- reservation will have (its events and the booking's share it as their Kafka key, so they stay
-- in order; P code:<code> keeps it from other bookings while the reservation may be confirmed).
-- A held reservation has no TTL: its record stays until a purge announces its expiry (however
-- late the expirer comes), then lives on as a tombstone for TOMBSTONE_MS.
-- Returns {'command-replay', ref, at} or {'command-mismatch'} for a repeated command
-- (prelude), {'ok', expires_ms}, {'taken'} or {'code-collision'}.
local again = command_replay()
if again then return again end
local office, date = ARGV[3], ARGV[4]
local first, n, counters = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local code = ARGV[29]
if redis.call('EXISTS', P .. 'bk:' .. code) == 1 or redis.call('EXISTS', P .. 'code:' .. code) == 1 then
  return {'code-collision'}
end
local now = now_ms()
purge(office, date, now)
local cap = cap_key(office, date)
if not buckets_free(cap, first, n, counters) then return {'taken'} end
if not pickup_usable(ARGV[30], office, ARGV[31]) then return {'pickup-code'} end
local expires = now + tonumber(ARGV[8])
take_buckets(cap, first, n)
local rk = P .. 'res:' .. ARGV[9]
redis.call('HSET', rk, 'kind', 'reservation', 'status', 'held', 'office', office, 'date', date,
           'b0', first, 'n', n, 'start', ARGV[10], 'end', ARGV[11], 'services', ARGV[12],
           'expires', expires, 'e1', ARGV[21], 'e2', ARGV[22], 'e3', ARGV[23], 'e4', ARGV[24],
           'e6', ARGV[26], 'e7', ARGV[27], 'e8', ARGV[28], 'code', code, 'pickup', ARGV[30])
redis.call('SET', P .. 'code:' .. code, ARGV[9], 'PXAT', expires + TOMBSTONE_MS)
add_hold(office, date, ARGV[9], first, n, expires)
local event = {}
for i = 13, 20 do event[#event + 1] = ARGV[i] end
event[8] = event[8] .. timestamp_field(6, expires)
outbox_append(OUTBOX, event, 1)
command_record(ARGV[9], expires)
return {'ok', expires}
