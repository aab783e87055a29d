-- An integrator continued from cursor ARGV[3]: every Rückmeldung up to it was fetched. Raises
-- the acknowledged cursor and takes the Rückmeldungen up to it off the overdue list.
-- Returns the number taken off.
local acked = redis.call('GET', P .. 'exports:acked') or '0-0'
if not cursor_le(ARGV[3], acked) then
  acked = ARGV[3]
  redis.call('SET', P .. 'exports:acked', acked)
end
local off = 0
for _, id in ipairs(redis.call('ZRANGE', P .. 'rueckoverdue', 0, -1)) do
  local cursor = redis.call('HGET', case_key(id), 'xcursor')
  if not cursor or cursor_le(cursor, acked) then
    redis.call('ZREM', P .. 'rueckoverdue', id)
    off = off + 1
  end
end
return off
