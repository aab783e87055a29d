-- Submits a case. ARGV[3] id, [4] office, [5] submitted ms, [6] field count f,
-- [7..6+f] field/value pairs, then 8 event arguments (RegistrationSubmitted).
-- Returns {'command-replay', ref, at} / {'command-mismatch'} (prelude) or {'ok'}.
local again = command_replay()
if again then return again end
local id, office, at = ARGV[3], ARGV[4], tonumber(ARGV[5])
local f = tonumber(ARGV[6])
local fields = {}
for k = 7, 6 + f do fields[#fields + 1] = ARGV[k] end
redis.call('HSET', case_key(id), unpack(fields))
index_move(office, id, nil, 'SUBMITTED', at)
for k = 1, #fields - 1, 2 do
  if fields[k] == 'owner' then redis.call('ZADD', P .. 'owner:' .. fields[k + 1], at, id) end
end
append_events(ARGV, 7 + f, 1)
command_record(id, ARGV[5])
return {'ok'}
