-- Registers an application. ARGV[3] id, [4] serial lookup, [5] created ms, [6] status at ms,
-- [7] field count f, [8..7+f] field/value pairs of the hash, then the index office, then
-- 8 event arguments (ApplicationRegistered).
-- Returns {'command-replay', ref, at} / {'command-mismatch'} (prelude), {'ok'} or
-- {'serial-in-use', id}.
local again = command_replay()
if again then return again end
local id, sl = ARGV[3], ARGV[4]
local current = redis.call('GET', P .. 'serial:' .. sl)
if current then
  local status = redis.call('HGET', app_key(current), 'status')
  if status and status ~= 'HANDED_OVER' and status ~= 'DELIVERED' then
    return {'serial-in-use', current}
  end
end
local f = tonumber(ARGV[7])
local fields = {}
for k = 8, 7 + f do fields[#fields + 1] = ARGV[k] end
redis.call('HSET', app_key(id), unpack(fields))
local office = ARGV[8 + f]
redis.call('SET', P .. 'serial:' .. sl, id)
index_move(office, id, nil, 'APPLIED', tonumber(ARGV[6]))
append_events(ARGV, 9 + f, 1)
command_record(id, ARGV[5])
return {'ok'}
