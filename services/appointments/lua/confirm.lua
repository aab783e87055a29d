-- Turns a held reservation into a booking; its buckets stay taken, now by the booking.
-- ARGV[3] reservation id, [4] code, [5] quota e-mail ('' = whitelisted), [6] quota limit,
-- [7] name, [8] email, [9] phone, [10] retention ms, [11..18] AppointmentBooked, [19] the
-- e-mails' language.
-- Returns {'command-replay', ref, at} or {'command-mismatch'} for a repeated command
-- (prelude), {'ok', created_ms}, {'expired'}, {'confirmed'}, {'unknown'}, {'quota'},
-- {'pickup-code'}, {'code-collision'}.
local again = command_replay()
if again then return again end
local rk = P .. 'res:' .. ARGV[3]
local r = redis.call('HMGET', rk, 'kind', 'office', 'date', 'b0', 'n', 'start', 'end', 'services',
                     'pickup')
if r[1] ~= 'reservation' then return {'unknown'} end
local now = now_ms()
purge(r[2], r[3], now)
local status = redis.call('HGET', rk, 'status')
if status == 'expired' then return {'expired'} end
if status == 'confirmed' then return {'confirmed'} end
if status ~= 'held' then return {'unknown'} end
local code = ARGV[4]
if redis.call('EXISTS', P .. 'bk:' .. code) == 1 then return {'code-collision'} end
if not quota_allows(ARGV[5], tonumber(ARGV[6]), now) then return {'quota'} end
local pickup = r[9] or ''
if not pickup_usable(pickup, r[2]) then return {'pickup-code'} end
remove_hold(r[2], r[3], ARGV[3], r[4], r[5])
redis.call('HSET', rk, 'status', 'confirmed', 'code', code)
redis.call('PEXPIRE', rk, TOMBSTONE_MS)
write_booking(code, {office = r[2], date = r[3], first = r[4], n = r[5], start = r[6],
                     ['end'] = r[7], services = r[8], name = ARGV[7], email = ARGV[8],
                     phone = ARGV[9], quota = ARGV[5], reservation = ARGV[3], lang = ARGV[19]},
              now, tonumber(ARGV[10]))
pickup_bind(pickup, code)
outbox_append(OUTBOX, ARGV, 11)
command_record(code, now)
return {'ok', now}
