-- The citizen confirms the code of the letter sent to the new address. ARGV[3] id, [4] owner
-- hash, [5] keyed hash of the typed code, [6] attempts allowed, then 8 event arguments
-- (none when [7] is '').
-- Returns {'ok'}, {'not-found'}, {'wrong-status', status}, {'code-invalid', attempts left}.
local id, owner = ARGV[3], ARGV[4]
local key = case_key(id)
local c = redis.call('HMGET', key, 'status', 'owner', 'codeh', 'codetries')
if not c[1] or c[2] ~= owner then return {'not-found'} end
if c[1] ~= 'CODE_LETTER_SENT' or not c[3] or c[3] == '' then return {'wrong-status', c[1]} end
if c[3] ~= ARGV[5] then
  local tries = redis.call('HINCRBY', key, 'codetries', 1)
  local left = tonumber(ARGV[6]) - tries
  if left <= 0 then redis.call('HSET', key, 'codeh', '') end
  return {'code-invalid', tostring(math.max(left, 0))}
end
local office = redis.call('HGET', key, 'office')
local submitted = tonumber(redis.call('HGET', key, 'submitted'))
redis.call('HSET', key, 'status', 'SUBMITTED', 'confirmed', '1', 'codeh', '', 'updated',
           tostring(now_ms()))
redis.call('HINCRBY', key, 'v', 1)
index_move(office, id, 'CODE_LETTER_SENT', 'SUBMITTED', submitted)
if ARGV[7] ~= '' then append_events(ARGV, 7, 1) end
return {'ok'}
