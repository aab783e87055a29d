-- The citizen's lookup. ARGV[3] serial lookup, [4] keyed hash of serial and birth date,
-- [5] most wrong tries, [6] lockout seconds. An unknown serial and a wrong birth date do the
-- same work and count against the serial alike; a locked serial answers 'unknown' too, after
-- the same work.
-- Returns {'unknown'} or {'ok', status, type, office, at, code, created, delivery, pin}.
local fk = P .. 'fail:' .. ARGV[3]
local most = tonumber(ARGV[5])
local fails = tonumber(redis.call('GET', fk) or '0')
local id = redis.call('GET', P .. 'serial:' .. ARGV[3]) or ''
local r = redis.call('HMGET', app_key(id), 'bh', 'status', 'type', 'office', 'at', 'code',
                     'created', 'delivery', 'pin')
-- A locked serial does the same work as any other failing lookup (and stays locked an hour
-- after the last try).
if fails >= most or r[1] ~= ARGV[4] then
  local n = redis.call('INCR', fk)
  if n == 1 or n >= most then redis.call('EXPIRE', fk, ARGV[6]) end
  return {'unknown'}
end
return {'ok', r[2], r[3], r[4], r[5], r[6] or '', r[7], r[8], r[9] or '0'}
