-- One step of the workflow, if the invoice is still where the caller saw it. ARGV[3] id,
-- [4] expected status, [5] new status, [6] actor, [7] "1": the factual approver may not take
-- this step (four eyes), [8] new department index ("" keeps it), [9] "1": give the duplicate
-- key free (a rejection), [10] history entry, then the field pairs (count first), then one
-- event (8 arguments).
-- Returns {'ok'}, {'unknown'}, {'changed', status} or {'four-eyes'}.
local id = ARGV[3]
local key = P .. 'inv:' .. id
local cur = redis.call('HMGET', key, 'status', 'department', 'factual_by', 'received_ms', 'dup')
if not cur[1] then return {'unknown'} end
if cur[1] ~= ARGV[4] then return {'changed', cur[1]} end
if ARGV[7] == '1' and cur[3] and cur[3] == ARGV[6] then return {'four-eyes'} end
local old_index = (cur[2] and cur[2] ~= '') and cur[2] or '-'
local new_index = ARGV[8] ~= '' and ARGV[8] or old_index
index_remove(cur[1], old_index, id)
index_add(ARGV[5], new_index, id, tonumber(cur[4]))
if ARGV[9] == '1' and cur[5] and cur[5] ~= '' then
  local dkey = P .. 'dup:' .. cur[5]
  if redis.call('GET', dkey) == id then redis.call('DEL', dkey) end
end
redis.call('RPUSH', P .. 'hist:' .. id, ARGV[10])
local i = hset_pairs(key, 11)
redis.call('HSET', key, 'status', ARGV[5])
schedule_original_expiry(key, id, ARGV[5])
outbox_append(OUTBOX, ARGV, i)
return {'ok'}
