-- A message is done (sent, refused for good, or no longer wanted): ARGV[1] key prefix, [2] job
-- id, [3] booking code, [4] the counter to add one to ('sent', 'failed', 'skipped'), [5] the
-- outbox stream, [6..13] the MessageSent / MessageFailed event (absent for 'skipped'): the
-- record and its event in one step.
local P = ARGV[1]
redis.call('ZREM', P .. 'due', ARGV[2])
redis.call('DEL', P .. 'job:' .. ARGV[2])
redis.call('SREM', P .. 'rem:' .. ARGV[3], ARGV[2])
redis.call('HINCRBY', P .. 'counts', ARGV[4], 1)
if #ARGV >= 13 then outbox_append(ARGV[5], ARGV, 6) end
return 1
