-- Releases a held reservation at once. ARGV[3] reservation id, [4..11] ReservationReleased.
-- Returns {'command-replay', ref, at} or {'command-mismatch'} for a repeated command
-- (prelude), {'ok'}, {'expired'} or {'unknown'} (never held, confirmed or released before).
local again = command_replay()
if again then return again end
local rk = P .. 'res:' .. ARGV[3]
local r = redis.call('HMGET', rk, 'kind', 'office', 'date', 'b0', 'n')
if r[1] ~= 'reservation' then return {'unknown'} end
purge(r[2], r[3], now_ms())
local status = redis.call('HGET', rk, 'status')
if status == 'expired' then return {'expired'} end
if status ~= 'held' then return {'unknown'} end
release_buckets(cap_key(r[2], r[3]), tonumber(r[4]), tonumber(r[5]))
remove_hold(r[2], r[3], ARGV[3], r[4], r[5])
redis.call('HSET', rk, 'status', 'released')
redis.call('PEXPIRE', rk, TOMBSTONE_MS)
outbox_append(OUTBOX, ARGV, 4)
command_record(ARGV[3], 0)
return {'ok'}
