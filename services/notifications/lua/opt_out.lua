-- The citizen wants no more reminders for a booking: ARGV[1] key prefix, [2] booking code,
-- [3] how long to remember it (ms). The reminders already planned are dropped.
local P = ARGV[1]
local rem = P .. 'rem:' .. ARGV[2]
for _, id in ipairs(redis.call('SMEMBERS', rem)) do
  redis.call('ZREM', P .. 'due', id)
  redis.call('DEL', P .. 'job:' .. id)
end
redis.call('DEL', rem)
redis.call('SET', P .. 'optout:' .. ARGV[2], '1', 'PX', ARGV[3])
return 1
