-- Cancels a booking. Its capacity is free at once, or after a cool-down (a hold without a
-- reservation, purged like one) so that a cancelled slot cannot be handed on by arrangement.
-- ARGV[3] code, [4] expected reschedule count, [5] cool-down ms, [6..13] AppointmentCancelled.
-- Returns {'command-replay', ref, at} or {'command-mismatch'} for a repeated command
-- (prelude), {'ok'}, {'unknown'}, {'status', status} or {'changed'}.
local again = command_replay()
if again then return again end
local code = ARGV[3]
local bk = P .. 'bk:' .. code
local b = redis.call('HMGET', bk, 'status', 'office', 'date', 'b0', 'n', 'rc', 'quota', 'pickup')
if not b[1] then return {'unknown'} end
if b[1] ~= 'booked' then return {'status', b[1]} end
if b[6] ~= ARGV[4] then return {'changed'} end
local cooldown = tonumber(ARGV[5])
if cooldown > 0 then
  local id = 'cd-' .. code
  redis.call('HSET', P .. 'res:' .. id, 'kind', 'cooldown')
  add_hold(b[2], b[3], id, b[4], b[5], now_ms() + cooldown)
else
  release_buckets(cap_key(b[2], b[3]), tonumber(b[4]), tonumber(b[5]))
end
redis.call('HSET', bk, 'status', 'cancelled')
pickup_unbind(b[8])
if b[7] and b[7] ~= '' then redis.call('ZREM', P .. 'quota:' .. b[7], code) end
outbox_append(OUTBOX, ARGV, 6)
command_record(code, 0)
return {'ok'}
