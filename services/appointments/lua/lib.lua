-- The appointments library, placed after the platform prelude and before every script of this
-- service (store.cc). Key layout under the prefix P (ARGV[1], e.g. "appt:"):
--   P cap:<office>:<date>    hash  bucket index -> visits using it (holds included)
--   P holds:<office>:<date>  zset  "<hold id>|<first bucket>|<buckets>" by expiry (ms)
--   P holds                  zset  "<office>/<date>" by the earliest expiry of that day
--   P res:<id>               hash  a reservation (or "cd-<code>": a cancel cool-down hold)
--   P bk:<code>              hash  a booking
--   P day:<office>:<date>    set   booking codes of the office day (clerks)
--   P quota:<e-mail>         zset  active booking codes of a normalised e-mail by end (ms)
--   P pickup:<code>          hash  an entitlement to book: kind (absent = "document": a pickup,
--                                  id-documents' DocumentReadyForPickup; "registration": a
--                                  rejected online registration, RegistrationRejected), office,
--                                  application (the document's application or the case id),
--                                  booking ('' while unused), status (open | handed-over), at
--                                  (ms it arrived)
-- ARGV[2] is the outbox stream. Keys are derived here from ids because a purge touches the
-- holds it finds; rathaus runs one Redis per service (DESIGN.md), not a cluster.
local P = ARGV[1]
local OUTBOX = ARGV[2]
-- Reservations are kept this long after they ended, to tell "expired" from "unknown".
local TOMBSTONE_MS = 86400000

-- RFC 3339 UTC from epoch milliseconds (days-to-civil after H. Hinnant).
local function rfc3339(ms)
  local s = math.floor(ms / 1000)
  local days = math.floor(s / 86400)
  local rem = s - days * 86400
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
                          - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return string.format('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', y, m, d, math.floor(rem / 3600),
                       math.floor(rem % 3600 / 60), rem % 60, ms % 1000)
end

-- A google.protobuf.Timestamp field in protobuf wire format. Appending it to a serialized
-- message sets that field (protobuf merges concatenated messages), which is how a payload
-- built in C++ gets a time that only this script knows (the hold's expiry, from Redis TIME).
local function varint(n)
  local out = {}
  while n >= 128 do
    out[#out + 1] = string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  out[#out + 1] = string.char(n)
  return table.concat(out)
end
local function timestamp_field(field, ms)
  local body = string.char(8) .. varint(math.floor(ms / 1000))
  local nanos = (ms % 1000) * 1000000
  if nanos > 0 then body = body .. string.char(16) .. varint(nanos) end
  return string.char(field * 8 + 2) .. varint(#body) .. body
end

local function cap_key(office, date) return P .. 'cap:' .. office .. ':' .. date end
local function holds_key(office, date) return P .. 'holds:' .. office .. ':' .. date end

-- True when every bucket first..first+n-1 has room; buckets of an `except` range (the
-- visit being moved on the same day) count one less.
local function buckets_free(cap, first, n, counters, except_first, except_n)
  for b = first, first + n - 1 do
    local used = tonumber(redis.call('HGET', cap, b) or '0')
    if except_first and b >= except_first and b < except_first + except_n then
      used = used - 1
    end
    if used >= counters then return false end
  end
  return true
end

local function take_buckets(cap, first, n)
  for b = first, first + n - 1 do redis.call('HINCRBY', cap, b, 1) end
end

local function release_buckets(cap, first, n)
  for b = first, first + n - 1 do
    if redis.call('HINCRBY', cap, b, -1) <= 0 then redis.call('HDEL', cap, b) end
  end
end

-- Keeps the global index's score of an office day at its earliest hold.
local function reindex(office, date)
  local first = redis.call('ZRANGE', holds_key(office, date), 0, 0, 'WITHSCORES')
  local member = office .. '/' .. date
  if #first == 0 then
    redis.call('ZREM', P .. 'holds', member)
  else
    redis.call('ZADD', P .. 'holds', first[2], member)
  end
end

local function add_hold(office, date, id, first, n, expires)
  redis.call('ZADD', holds_key(office, date), expires, id .. '|' .. first .. '|' .. n)
  redis.call('ZADD', P .. 'holds', 'LT', expires, office .. '/' .. date)
end

local function remove_hold(office, date, id, first, n)
  redis.call('ZREM', holds_key(office, date), id .. '|' .. first .. '|' .. n)
  reindex(office, date)
end

-- Frees the holds of one office day that ended at or before `now` and announces expired
-- reservations (their event was prepared at reservation time; its time is the expiry).
-- Every script that reads or changes a day's capacity calls this first, so capacity is free
-- exactly at expiry, whether or not the expirer thread has come by yet.
local function purge(office, date, now)
  local holds = holds_key(office, date)
  local due = redis.call('ZRANGEBYSCORE', holds, '-inf', now)
  if #due == 0 then return 0 end
  local cap = cap_key(office, date)
  for _, member in ipairs(due) do
    local id, first, n = string.match(member, '^([^|]+)|(%d+)|(%d+)$')
    release_buckets(cap, tonumber(first), tonumber(n))
    local rk = P .. 'res:' .. id
    local r = redis.call('HMGET', rk, 'kind', 'status', 'expires',
                         'e1', 'e2', 'e3', 'e4', 'e6', 'e7', 'e8')
    if r[1] == 'reservation' and r[2] == 'held' then
      redis.call('HSET', rk, 'status', 'expired')
      redis.call('PEXPIRE', rk, TOMBSTONE_MS)
      outbox_append(OUTBOX, {r[4], r[5], r[6], r[7], rfc3339(tonumber(r[3])), r[8], r[9], r[10]}, 1)
    else
      redis.call('DEL', rk)
    end
    redis.call('ZREM', holds, member)
  end
  reindex(office, date)
  return #due
end

-- Booking data is personal data: it is kept until `retention_ms` after the appointment.
local function write_booking(code, f, now, retention_ms)
  local bk = P .. 'bk:' .. code
  redis.call('HSET', bk, 'office', f.office, 'date', f.date, 'b0', f.first, 'n', f.n,
             'start', f.start, 'end', f['end'], 'services', f.services, 'status', 'booked',
             'name', f.name, 'email', f.email, 'phone', f.phone, 'rc', 0, 'created', now,
             'quota', f.quota, 'reservation', f.reservation, 'lang', f.lang)
  redis.call('PEXPIREAT', bk, tonumber(f['end']) + retention_ms)
  local day = P .. 'day:' .. f.office .. ':' .. f.date
  redis.call('SADD', day, code)
  redis.call('PEXPIREAT', day, tonumber(f['end']) + retention_ms)
  if f.quota ~= '' then
    redis.call('ZADD', P .. 'quota:' .. f.quota, f['end'], code)
    redis.call('PEXPIREAT', P .. 'quota:' .. f.quota, tonumber(f['end']) + 1000)
  end
end

-- True when `pickup` ('' = none needed) is an open entitlement of `office` without a booking,
-- of `kind` when given (a registration's code does not open a pickup, nor the other way round).
local function pickup_usable(pickup, office, kind)
  if pickup == '' then return true end
  local e = redis.call('HMGET', P .. 'pickup:' .. pickup, 'office', 'booking', 'status', 'kind')
  if kind and kind ~= '' and (e[4] or 'document') ~= kind then return false end
  return e[1] == office and e[3] == 'open' and (not e[2] or e[2] == '')
end

-- Binds entitlement `pickup` ('' = none) to booking `code` (one booking per code).
local function pickup_bind(pickup, code)
  if pickup == nil or pickup == '' then return end
  redis.call('HSET', P .. 'pickup:' .. pickup, 'booking', code)
  redis.call('HSET', P .. 'bk:' .. code, 'pickup', pickup)
  local e = redis.call('HMGET', P .. 'pickup:' .. pickup, 'kind', 'application')
  if e[1] == 'registration' then redis.call('HSET', P .. 'bk:' .. code, 'regcase', e[2]) end
end

-- Frees entitlement `pickup` of a booking that ended without the document (cancel, no-show).
local function pickup_unbind(pickup)
  if pickup == nil or pickup == false or pickup == '' then return end
  if redis.call('EXISTS', P .. 'pickup:' .. pickup) == 1 then
    redis.call('HSET', P .. 'pickup:' .. pickup, 'booking', '')
  end
end

-- True when the normalised e-mail `quota` ('' = whitelisted) may make one more booking.
local function quota_allows(quota, limit, now)
  if quota == '' then return true end
  local key = P .. 'quota:' .. quota
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  return redis.call('ZCARD', key) < limit
end
