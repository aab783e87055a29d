-- Fires the timers that are due (at most ARGV[3]): "overdue" announces a document still not
-- collected (its event was prepared when it became ready); "purge" deletes an application
-- RATHAUS_ID_DOCUMENTS_RETENTION after it closed and keeps only a count.
-- Returns {fired, next due ms or -1, now ms}.
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', P .. 'timers', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do
  local kind, id = string.match(member, '^([^|]+)|(.+)$')
  local key = app_key(id)
  if kind == 'overdue' then
    local r = redis.call('HMGET', key, 'status', 'o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7', 'o8')
    if r[1] == 'READY_FOR_PICKUP' and r[2] then
      outbox_append(OUTBOX, {r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]}, 1)
    end
  elseif kind == 'purge' then
    local r = redis.call('HMGET', key, 'status', 'office', 'type', 'sl', 'code')
    if r[1] then
      redis.call('ZREM', P .. 'idx:' .. r[2] .. ':' .. r[1], id)
      redis.call('ZREM', P .. 'idx:' .. r[2] .. ':*', id)
      redis.call('ZREM', P .. 'stickers:' .. r[2], id)
      if redis.call('GET', P .. 'serial:' .. r[4]) == id then redis.call('DEL', P .. 'serial:' .. r[4]) end
      if r[5] and r[5] ~= '' then redis.call('DEL', P .. 'code:' .. r[5]) end
      redis.call('DEL', key, P .. 'seen:' .. id)
      redis.call('HINCRBY', P .. 'stats', r[3] .. '|' .. r[1], 1)
    end
  end
  redis.call('ZREM', P .. 'timers', member)
end
local next_due = redis.call('ZRANGE', P .. 'timers', 0, 0, 'WITHSCORES')
return {#due, tonumber(next_due[2] or '-1'), now}
