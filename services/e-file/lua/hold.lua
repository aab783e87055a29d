-- Sets or releases a legal hold. ARGV[3] time (RFC 3339), [4] Aktenzeichen, [5] "1" hold / "0"
-- release, [6] reason, [7] actor. Returns 'ok', or {'err', problem}.
local vkey = P .. 'v:' .. ARGV[4]
local status = redis.call('HGET', vkey, 'status')
if not status then return {'err', 'not-found'} end
if status == 'DISPOSED' then return {'err', 'vorgang-disposed'} end
if ARGV[5] == '1' then
  redis.call('HSET', vkey, 'hold', '1', 'holdreason', ARGV[6])
  audit(ARGV[3], 'HOLD', ARGV[4], '', ARGV[7])
else
  if redis.call('HGET', vkey, 'hold') ~= '1' then return 'ok' end
  redis.call('HSET', vkey, 'hold', '0')
  redis.call('HDEL', vkey, 'holdreason')
  audit(ARGV[3], 'HOLD_RELEASED', ARGV[4], '', ARGV[7])
end
return 'ok'
