-- Books directly (reserve and confirm in one step).
-- ARGV[3] office, [4] date, [5] first bucket, [6] buckets, [7] counters, [8] code,
-- [9] quota e-mail ('' = whitelisted), [10] quota limit, [11] start ms, [12] end ms,
-- [13] services, [14] name, [15] email, [16] phone, [17] retention ms,
-- [18..25] AppointmentBooked, [26] pickup or registration code ('' when none), [27] its kind,
-- [28] the e-mails' language.
-- Returns {'command-replay', ref, at} or {'command-mismatch'} for a repeated command
-- (prelude), {'ok', created_ms}, {'taken'}, {'quota'}, {'pickup-code'} or {'code-collision'}.
local again = command_replay()
if again then return again end
local office, date = ARGV[3], ARGV[4]
local first, n, counters = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local code = ARGV[8]
local now = now_ms()
purge(office, date, now)
if redis.call('EXISTS', P .. 'bk:' .. code) == 1 or redis.call('EXISTS', P .. 'code:' .. code) == 1 then
  return {'code-collision'}
end
if not quota_allows(ARGV[9], tonumber(ARGV[10]), now) then return {'quota'} end
local cap = cap_key(office, date)
if not buckets_free(cap, first, n, counters) then return {'taken'} end
if not pickup_usable(ARGV[26], office, ARGV[27]) then return {'pickup-code'} end
take_buckets(cap, first, n)
write_booking(code, {office = office, date = date, first = first, n = n, start = ARGV[11],
                     ['end'] = ARGV[12], services = ARGV[13], name = ARGV[14], email = ARGV[15],
                     phone = ARGV[16], quota = ARGV[9], reservation = '', lang = ARGV[28]},
              now, tonumber(ARGV[17]))
pickup_bind(ARGV[26], code)
outbox_append(OUTBOX, ARGV, 18)
command_record(code, now)
return {'ok', now}
