-- id-documents' DocumentHandedOver: the entitlement is used up, and an open pickup booking of the
-- code is done and its time free. KEYS[1] inbox key; ARGV[3] pickup code, [4] the booking the
-- caller read ('' for none), [5] its reschedule count, [6] inbox ttl (s), [7..14]
-- AppointmentCompleted. Returns 1, 0 for an event applied before, or {'changed'} when the
-- booking moved since the caller read it (read again).
if inbox_seen(KEYS[1]) then return 0 end
local key = P .. 'pickup:' .. ARGV[3]
local booking = redis.call('HGET', key, 'booking') or ''
if booking ~= ARGV[4] then return {'changed'} end
if booking ~= '' then
  local bk = P .. 'bk:' .. booking
  local b = redis.call('HMGET', bk, 'status', 'office', 'date', 'b0', 'n', 'rc', 'quota')
  if b[1] == 'booked' then
    if b[6] ~= ARGV[5] then return {'changed'} end
    release_buckets(cap_key(b[2], b[3]), tonumber(b[4]), tonumber(b[5]))
    redis.call('HSET', bk, 'status', 'done')
    if b[7] and b[7] ~= '' then redis.call('ZREM', P .. 'quota:' .. b[7], booking) end
    outbox_append(OUTBOX, ARGV, 7)
  end
end
if redis.call('EXISTS', key) == 1 then redis.call('HSET', key, 'status', 'handed-over') end
inbox_claim(KEYS[1], ARGV[6])
return 1
