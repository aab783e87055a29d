-- Moves a booking: takes the new buckets and releases the old ones in one step; if the new
-- time is not free, nothing changes. The old buckets the new time does not cover are freed
-- after the cancel cool-down (as a hold, like cancel.lua), so that moving a booking away does
-- not hand its time on by arrangement either.
-- ARGV[3] code, [4] expected reschedule count (the booking the caller read), [5] new date,
-- [6] new first bucket, [7] buckets, [8] counters, [9] start ms, [10] end ms, [11] retention
-- ms, [12] cool-down ms, [13..20] AppointmentRescheduled.
-- Returns {'command-replay', ref, at} or {'command-mismatch'} for a repeated command
-- (prelude), {'ok', count}, {'unknown'}, {'status', status}, {'changed'} or {'taken'}.
local again = command_replay()
if again then return again end
local code = ARGV[3]
local bk = P .. 'bk:' .. code
local b = redis.call('HMGET', bk, 'status', 'office', 'date', 'b0', 'n', 'rc', 'quota')
if not b[1] then return {'unknown'} end
if b[1] ~= 'booked' then return {'status', b[1]} end
if b[6] ~= ARGV[4] then return {'changed'} end
local office, old_date, old_first, old_n = b[2], b[3], tonumber(b[4]), tonumber(b[5])
local date, first, n, counters = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
purge(office, date, now_ms())
local cap = cap_key(office, date)
local except_first, except_n = nil, nil
if date == old_date then except_first, except_n = old_first, old_n end
if not buckets_free(cap, first, n, counters, except_first, except_n) then return {'taken'} end
release_buckets(cap_key(office, old_date), old_first, old_n)
take_buckets(cap, first, n)
local count = tonumber(b[6]) + 1
local cooldown = tonumber(ARGV[12])
if cooldown > 0 then
  -- What the new time does not cover of the old one: on the same day one contiguous part (both
  -- have the same length), else all of it.
  local hold_first, hold_n = old_first, old_n
  if date == old_date and first < old_first + old_n and old_first < first + n then
    if first > old_first then
      hold_n = first - old_first
    else
      hold_first = first + n
      hold_n = old_first + old_n - hold_first
    end
  end
  if hold_n > 0 then
    take_buckets(cap_key(office, old_date), hold_first, hold_n)
    add_hold(office, old_date, 'cd-' .. code .. '-' .. count, hold_first, hold_n,
             now_ms() + cooldown)
  end
end
if date ~= old_date then
  redis.call('SREM', P .. 'day:' .. office .. ':' .. old_date, code)
  redis.call('SADD', P .. 'day:' .. office .. ':' .. date, code)
  redis.call('PEXPIREAT', P .. 'day:' .. office .. ':' .. date,
             tonumber(ARGV[10]) + tonumber(ARGV[11]))
end
redis.call('HSET', bk, 'date', date, 'b0', first, 'n', n, 'start', ARGV[9], 'end', ARGV[10],
           'rc', count)
redis.call('PEXPIREAT', bk, tonumber(ARGV[10]) + tonumber(ARGV[11]))
if b[7] and b[7] ~= '' then
  redis.call('ZADD', P .. 'quota:' .. b[7], ARGV[10], code)
  redis.call('PEXPIREAT', P .. 'quota:' .. b[7], tonumber(ARGV[10]) + 1000)
end
outbox_append(OUTBOX, ARGV, 13)
command_record(code, count)
return {'ok', count}
