-- A message is done (sent, refused for good, or no longer wanted): ARGV[1] key prefix, [2] job
-- id, [3] booking code, [4] the counter to add one to ('sent', 'failed', 'skipped').
local P = ARGV[1]
redis.call('ZREM', P .. 'due', ARGV[2])
redis.call('DEL', P .. 'job:' .. ARGV[2])
redis.call('SREM', P .. 'rem:' .. ARGV[3], ARGV[2])
redis.call('HINCRBY', P .. 'counts', ARGV[4], 1)
return 1
