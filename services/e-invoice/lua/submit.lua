-- Stores a new invoice with its first status changes and their events, or finds the accepted
-- invoice it duplicates. ARGV[3] id, [4] duplicate key ("" for none: rejected invoices are
-- never duplicates, so a corrected invoice can come again), [5] status, [6] department index
-- ("-" for none), [7] arrival ms, [8] number of history entries h, [9..8+h] the entries, then
-- the field pairs (count first), then the number of events and 8 arguments per event.
-- Returns {'ok'} or {'duplicate', first id}.
local id = ARGV[3]
local dup = ARGV[4]
if dup ~= '' then
  local first = redis.call('GET', P .. 'dup:' .. dup)
  if first then return {'duplicate', first} end
end
local key = P .. 'inv:' .. id
if redis.call('EXISTS', key) == 1 then return redis.error_reply('invoice id taken: ' .. id) end
if dup ~= '' then redis.call('SET', P .. 'dup:' .. dup, id) end
local h = tonumber(ARGV[8])
for k = 1, h do redis.call('RPUSH', P .. 'hist:' .. id, ARGV[8 + k]) end
local i = hset_pairs(key, 9 + h)
index_add(ARGV[5], ARGV[6], id, tonumber(ARGV[7]))
schedule_original_expiry(key, id, ARGV[5])
local events = tonumber(ARGV[i])
for e = 0, events - 1 do outbox_append(OUTBOX, ARGV, i + 1 + e * 8) end
return {'ok'}
