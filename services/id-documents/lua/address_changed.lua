-- registrations' AddressChanged: every named document that id-documents knows (by the keyed
-- hash of its serial, the newest application of it) gets an "address sticker due" task for its
-- office, once. KEYS[1] inbox key; ARGV[3] inbox ttl (s), [4] count n, [5..4+n] serial hashes.
-- Returns {tasks created, hashes of unknown documents}, or 0 for an event applied before.
if inbox_seen(KEYS[1]) then return 0 end
local now = now_ms()
local created, unknown = 0, 0
for k = 5, 4 + tonumber(ARGV[4]) do
  local id = redis.call('GET', P .. 'serial:' .. ARGV[k])
  local office = id and redis.call('HGET', app_key(id), 'office')
  if office then
    if redis.call('HGET', app_key(id), 'sticker') ~= '1' then
      redis.call('HSET', app_key(id), 'sticker', '1', 'stickerat', tostring(now))
      redis.call('ZADD', P .. 'stickers:' .. office, now, id)
      created = created + 1
    end
  else
    unknown = unknown + 1
  end
end
inbox_claim(KEYS[1], ARGV[3])
return {created, unknown}
