-- One step of a case. ARGV[3] id, [4] mode: 'claim' (a clerk takes the case), 'clerk' (the
-- clerk holding the claim acts), 'owner' (the citizen who submitted it acts); [5] actor (the
-- clerk's subject, or the keyed hash of the citizen's subject), [6] allowed statuses
-- ("A,B"), [7] new status ("" keeps it), [8] claim lifetime ms, [9] version the caller read
-- ("" for any), [10] field count f, [11..10+f] field/value pairs to set, then c and c
-- certificates of 4 values (code, person, sha, sealed pdf), then e and e events of 8 values,
-- then x (0 or 1) and x Rückmeldung exports of 4 values (previous municipality key, due date,
-- sealed XML, oldest entry to keep in ms: older ones are trimmed; the entry's id is kept as the
-- case's xcursor), then t and t timers of 2 values (member "purge|<id>" or "rueck|<id>", due
-- in ms).
-- Returns {'command-replay', ...} / {'command-mismatch'} (prelude), {'ok', version},
-- {'not-found'}, {'wrong-status', status}, {'claimed', clerk, until}, {'not-claimed'},
-- {'changed'}.
local again = command_replay()
if again then return again end
local id, mode, actor = ARGV[3], ARGV[4], ARGV[5]
local key = case_key(id)
local c = redis.call('HMGET', key, 'status', 'office', 'owner', 'claim_by', 'claim_until', 'v',
                     'submitted')
local status, office = c[1], c[2]
if not status then return {'not-found'} end
if mode == 'owner' and c[3] ~= actor then return {'not-found'} end
local now = now_ms()
local claim_live = c[4] and c[4] ~= '' and tonumber(c[5] or '0') > now
if mode == 'claim' and claim_live and c[4] ~= actor then return {'claimed', c[4], c[5]} end
if mode == 'clerk' and (not claim_live or c[4] ~= actor) then return {'not-claimed'} end
if ARGV[9] ~= '' and ARGV[9] ~= c[6] then return {'changed'} end
local allowed = false
for s in string.gmatch(ARGV[6], '[^,]+') do
  if s == status then allowed = true end
end
if not allowed then return {'wrong-status', status} end
local f = tonumber(ARGV[10])
local fields = {'updated', tostring(now)}
for k = 11, 10 + f do fields[#fields + 1] = ARGV[k] end
if mode == 'claim' then
  fields[#fields + 1] = 'claim_by'
  fields[#fields + 1] = actor
  fields[#fields + 1] = 'claim_until'
  fields[#fields + 1] = tostring(now + tonumber(ARGV[8]))
end
local new_status = ARGV[7]
if new_status ~= '' and new_status ~= status then
  fields[#fields + 1] = 'status'
  fields[#fields + 1] = new_status
  index_move(office, id, status, new_status, tonumber(c[7]))
end
redis.call('HSET', key, unpack(fields))
local version = redis.call('HINCRBY', key, 'v', 1)
local i = 11 + f
local certs = tonumber(ARGV[i])
i = i + 1
for _ = 1, certs do
  redis.call('HSET', P .. 'cert:' .. ARGV[i], 'id', id, 'n', ARGV[i + 1], 'sha', ARGV[i + 2],
             'office', office, 'at', tostring(now))
  redis.call('SET', P .. 'pdf:' .. id .. ':' .. ARGV[i + 1], ARGV[i + 3])
  i = i + 4
end
local events = tonumber(ARGV[i])
i = append_events(ARGV, i + 1, events)
local exports = tonumber(ARGV[i])
i = i + 1
for _ = 1, exports do
  local cursor = redis.call('XADD', P .. 'exports', 'MINID', '~', ARGV[i + 3], '*', 'id', id,
                            'ags', ARGV[i], 'due', ARGV[i + 1], 'xml', ARGV[i + 2])
  redis.call('HSET', key, 'xcursor', cursor)
  i = i + 4
end
local timers = tonumber(ARGV[i])
i = i + 1
for _ = 1, timers do
  redis.call('ZADD', P .. 'timers', ARGV[i + 1], ARGV[i])
  i = i + 2
end
command_record(id, tostring(now))
return {'ok', version}
