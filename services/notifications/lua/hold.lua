-- Before a claimed message is sent: renews this sender's lease, only if it is still this sender's
-- (the due time is still the one its claim set; a sender whose lease ran out finds another's
-- and must not send). ARGV[1] key prefix, [2] job id, [3] the due time the claim set (ms),
-- [4] lease (ms). Returns the new due time, or 0 when the job is no longer this sender's.
local P = ARGV[1]
local due = P .. 'due'
local score = redis.call('ZSCORE', due, ARGV[2])
if not score or tonumber(score) ~= tonumber(ARGV[3]) then return 0 end
local until_ms = now_ms() + tonumber(ARGV[4])
redis.call('ZADD', due, until_ms, ARGV[2])
return until_ms
