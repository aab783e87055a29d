-- An appointments event becomes the messages it calls for, in one script with its inbox record.
-- KEYS[1] inbox key. ARGV[1] key prefix, [2] kind of the message about the event ('booked',
-- 'rescheduled', 'cancelled'; '' for none), [3] booking code, [4] job id of that message (the
-- event's ce_id), [5] the appointment's start (ms), [6] the reminders to keep: "id=due_ms,..."
-- ('' for none: a cancellation drops them), [7] inbox ttl (s), [8] job lifetime (ms).
-- A booking's events arrive in order (one partition per code), so the reminders of the newest
-- start replace the ones before: moved with a reschedule, gone with a cancellation.
-- Returns 1, or 0 for an event applied before.
local P = ARGV[1]
if inbox_seen(KEYS[1]) then return 0 end
local now = now_ms()
local code = ARGV[3]
local due = P .. 'due'
local rem = P .. 'rem:' .. code
local life = tonumber(ARGV[8])
for _, id in ipairs(redis.call('SMEMBERS', rem)) do
  redis.call('ZREM', due, id)
  redis.call('DEL', P .. 'job:' .. id)
end
redis.call('DEL', rem)
if ARGV[2] ~= '' then
  local job = P .. 'job:' .. ARGV[4]
  redis.call('HSET', job, 'kind', ARGV[2], 'code', code, 'start', ARGV[5], 'attempts', 0,
             'created', now)
  redis.call('PEXPIRE', job, life)
  redis.call('ZADD', due, now, ARGV[4])
end
local reminders = ARGV[6]
if redis.call('EXISTS', P .. 'optout:' .. code) == 1 then reminders = '' end  -- opted out
for id, at in string.gmatch(reminders, '([^=,]+)=(%d+)') do
  local job = P .. 'job:' .. id
  redis.call('HSET', job, 'kind', 'reminder', 'code', code, 'start', ARGV[5], 'attempts', 0,
             'created', now)
  redis.call('PEXPIREAT', job, tonumber(at) + life)
  redis.call('ZADD', due, at, id)
  redis.call('SADD', rem, id)
end
if redis.call('SCARD', rem) > 0 then redis.call('PEXPIRE', rem, tonumber(ARGV[5]) - now + life) end
inbox_claim(KEYS[1], ARGV[7])
return 1
