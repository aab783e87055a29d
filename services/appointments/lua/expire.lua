-- The expirer's sweep: purges every office day whose earliest hold is due.
-- ARGV[3] most days per run. Returns {holds freed, next expiry ms or -1, now ms}.
local now = now_ms()
local days = redis.call('ZRANGEBYSCORE', P .. 'holds', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local freed = 0
for _, day in ipairs(days) do
  local office, date = string.match(day, '^(.+)/(.+)$')
  freed = freed + purge(office, date, now)
  reindex(office, date)
end
local next_hold = redis.call('ZRANGE', P .. 'holds', 0, 0, 'WITHSCORES')
return {freed, tonumber(next_hold[2] or '-1'), now}
