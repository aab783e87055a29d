-- A page of invoices of one index, newest first. ARGV[3] index ("<status>:<department>" or
-- "<status>:*"), [4] offset, [5] count. Returns {total, {id, fields...}, ...} with each
-- invoice's hash as a flat field/value array (the report left out).
local idx = P .. 'idx:' .. ARGV[3]
local offset = tonumber(ARGV[4])
local count = tonumber(ARGV[5])
local out = {redis.call('ZCARD', idx)}
local ids = redis.call('ZREVRANGE', idx, offset, offset + count - 1)
for _, id in ipairs(ids) do
  local fields = redis.call('HGETALL', P .. 'inv:' .. id)
  local kept = {}
  for k = 1, #fields, 2 do
    if fields[k] ~= 'report' then
      kept[#kept + 1] = fields[k]
      kept[#kept + 1] = fields[k + 1]
    end
  end
  out[#out + 1] = {id, kept}
end
return out
