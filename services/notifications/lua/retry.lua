-- A message could not be sent now (4xx, no connection): it is due again after ARGV[3] ms.
-- ARGV[1] key prefix, [2] job id. Returns the attempts so far, or 0 when the job is gone.
local P = ARGV[1]
local job = P .. 'job:' .. ARGV[2]
if redis.call('EXISTS', job) == 0 then
  redis.call('ZREM', P .. 'due', ARGV[2])
  return 0
end
local n = redis.call('HINCRBY', job, 'attempts', 1)
redis.call('ZADD', P .. 'due', now_ms() + tonumber(ARGV[3]), ARGV[2])
return n
