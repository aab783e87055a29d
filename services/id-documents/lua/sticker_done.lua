-- A clerk put the address sticker on the document. ARGV[3] id.
-- Returns {'ok'}, {'unknown'} or {'none'} (no sticker due).
local id = ARGV[3]
local r = redis.call('HMGET', app_key(id), 'office', 'sticker')
if not r[1] then return {'unknown'} end
if r[2] ~= '1' then return {'none'} end
redis.call('HSET', app_key(id), 'sticker', '0', 'stickerdone', tostring(now_ms()))
redis.call('ZREM', P .. 'stickers:' .. r[1], id)
return {'ok'}
