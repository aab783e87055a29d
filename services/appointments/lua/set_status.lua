-- A clerk's status change of a booked visit (checked-in, no-show); it no longer counts for
-- the e-mail quota. ARGV[3] code, [4] new status, [5..12] the event.
-- Returns {'command-replay', ref, at} or {'command-mismatch'} for a repeated command
-- (prelude), {'ok'}, {'unknown'} or {'status', status}.
local again = command_replay()
if again then return again end
local bk = P .. 'bk:' .. ARGV[3]
local b = redis.call('HMGET', bk, 'status', 'quota', 'pickup')
if not b[1] then return {'unknown'} end
if b[1] ~= 'booked' then return {'status', b[1]} end
redis.call('HSET', bk, 'status', ARGV[4], 'status_at', now_ms())
if b[2] and b[2] ~= '' then redis.call('ZREM', P .. 'quota:' .. b[2], ARGV[3]) end
if ARGV[4] == 'no-show' then pickup_unbind(b[3]) end
outbox_append(OUTBOX, ARGV, 5)
command_record(ARGV[3], 0)
return {'ok'}
