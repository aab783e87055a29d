-- Fires the timers that are due (at most ARGV[3]): "purge" deletes a case RETENTION after it
-- ended and keeps a count (the certificates' verification entries stay: they hold no personal
-- data); "email" deletes the citizen's e-mail address EMAIL_RETENTION after the case ended (no
-- message about it can come any more); "rueck" lists a Rückmeldung that no integrator has fetched by the end of its due day.
-- Returns {fired, next due ms or -1, now ms}.
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', P .. 'timers', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local acked = redis.call('GET', P .. 'exports:acked') or '0-0'
for _, member in ipairs(due) do
  local kind, id = string.match(member, '^([^|]+)|(.+)$')
  local key = case_key(id)
  if kind == 'purge' then
    local r = redis.call('HMGET', key, 'status', 'office', 'type', 'certs', 'owner')
    if r[1] then
      if r[5] then redis.call('ZREM', P .. 'owner:' .. r[5], id) end
      redis.call('ZREM', P .. 'idx:' .. r[2] .. ':' .. r[1], id)
      redis.call('ZREM', P .. 'idx:' .. r[2] .. ':*', id)
      redis.call('ZREM', P .. 'rueckoverdue', id)
      local n = 0
      for _ in string.gmatch(r[4] or '', '[^,]+') do
        n = n + 1
        redis.call('DEL', P .. 'pdf:' .. id .. ':' .. n)
      end
      redis.call('DEL', key)
      redis.call('HINCRBY', P .. 'stats', r[3] .. '|' .. r[1], 1)
    end
  elseif kind == 'email' then
    redis.call('HDEL', key, 'email')
  elseif kind == 'rueck' then
    local cursor = redis.call('HGET', key, 'xcursor')
    if cursor and not cursor_le(cursor, acked) then
      redis.call('ZADD', P .. 'rueckoverdue', now, id)
    end
  end
  redis.call('ZREM', P .. 'timers', member)
end
local next_due = redis.call('ZRANGE', P .. 'timers', 0, 0, 'WITHSCORES')
return {#due, tonumber(next_due[2] or '-1'), now}
