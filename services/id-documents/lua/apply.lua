-- Applies checked status updates (the import; store.cc decided duplicates, stale and illegal
-- lines from what it read). Each update holds only if the application is still as read: status
-- and time unchanged, the update not seen yet; else it answers 'changed' and every later
-- update of the same application in this call too (the caller reads again and retries).
-- ARGV[3] number of updates, then per update:
--   id, expected status, expected at ms, new status (or PIN_LETTER_SENT), at ms, office,
--   pickup code ('' unless it becomes ready), timer kind ('' | overdue | purge), timer due ms,
--   number of stored fields s, s field/value pairs, number of events e, e * 8 event arguments.
-- Returns one 'ok' | 'changed' | 'code-taken' per update.
local n = tonumber(ARGV[3])
local i = 4
local out = {}
local changed = {}
for u = 1, n do
  local id, exp_status, exp_at, status, at = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local office, code, timer, due = ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8]
  local s = tonumber(ARGV[i + 9])
  local fields_at = i + 10
  local events = tonumber(ARGV[fields_at + s * 2])
  local events_at = fields_at + s * 2 + 1
  i = events_at + events * 8
  local key = app_key(id)
  local r = redis.call('HMGET', key, 'status', 'at')
  local member = status .. '|' .. at
  if changed[id] or r[1] ~= exp_status or r[2] ~= exp_at or
     redis.call('SISMEMBER', P .. 'seen:' .. id, member) == 1 then
    changed[id] = true
    out[u] = 'changed'
  elseif code ~= '' and redis.call('EXISTS', P .. 'code:' .. code) == 1 then
    changed[id] = true
    out[u] = 'code-taken'
  else
    redis.call('SADD', P .. 'seen:' .. id, member)
    if s > 0 then
      local pairs_ = {}
      for k = fields_at, fields_at + s * 2 - 1 do pairs_[#pairs_ + 1] = ARGV[k] end
      redis.call('HSET', key, unpack(pairs_))
    end
    if status ~= 'PIN_LETTER_SENT' then
      index_move(office, id, exp_status, status, tonumber(at))
    end
    if code ~= '' then redis.call('SET', P .. 'code:' .. code, id) end
    if timer == 'overdue' then
      redis.call('ZADD', P .. 'timers', due, 'overdue|' .. id)
    elseif timer == 'purge' then
      -- A final state (delivered to the home): no message can come any more, so the citizen's
      -- e-mail address goes now; the rest waits for the retention.
      redis.call('ZREM', P .. 'timers', 'overdue|' .. id)
      redis.call('ZADD', P .. 'timers', due, 'purge|' .. id)
      redis.call('HDEL', key, 'email')
    end
    append_events(ARGV, events_at, events)
    out[u] = 'ok'
  end
end
return out
