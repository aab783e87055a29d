-- A clerk hands the document over. ARGV[3] id, [4] at ms, [5] purge due ms, [6] field count s,
-- s field/value pairs, then 16 event arguments (DocumentStatusChanged, DocumentHandedOver).
-- Returns {'command-replay', ref, at} / {'command-mismatch'} (prelude), {'ok'}, {'unknown'} or
-- {'status', status}.
local again = command_replay()
if again then return again end
local id = ARGV[3]
local key = app_key(id)
local r = redis.call('HMGET', key, 'status', 'office')
if not r[1] then return {'unknown'} end
if r[1] ~= 'READY_FOR_PICKUP' then return {'status', r[1]} end
local s = tonumber(ARGV[6])
local fields = {}
for k = 7, 6 + s * 2 do fields[#fields + 1] = ARGV[k] end
redis.call('HSET', key, unpack(fields))
redis.call('SADD', P .. 'seen:' .. id, 'HANDED_OVER|' .. ARGV[4])
index_move(r[2], id, 'READY_FOR_PICKUP', 'HANDED_OVER', tonumber(ARGV[4]))
redis.call('ZREM', P .. 'timers', 'overdue|' .. id)
-- A due address sticker is put on at the handover.
if redis.call('HGET', key, 'sticker') == '1' then
  redis.call('HSET', key, 'sticker', '0', 'stickerdone', ARGV[4])
  redis.call('ZREM', P .. 'stickers:' .. r[2], id)
end
redis.call('ZADD', P .. 'timers', ARGV[5], 'purge|' .. id)
-- No message about the document can come any more: the citizen's e-mail address goes now.
redis.call('HDEL', key, 'email')
append_events(ARGV, 7 + s * 2, 2)
command_record(id, ARGV[4])
return {'ok'}
