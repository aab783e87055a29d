-- Files what one consumed event brings: finds or opens the source aggregate's Vorgang (and its
-- Akte), adds the documents (a title filed before with other bytes becomes a new version; the
-- same bytes again change nothing), counts statistics, closes the Vorgang on a closing event,
-- appends an audit entry per document and a DocumentFiled event, once per consumed event.
-- KEYS[1] inbox key ("" for filings that are not a consumed event: ARGV[3] empty then).
-- ARGV[3] inbox ttl (s), [4] source service, [5] source id, [6] item, [7] Akte group, [8] Akte
-- title, [9] subject, [10] department, [11] access class, [12] time (RFC 3339), [13] close:
-- "" or the disposal date YYYY-MM-DD, [14] disposal (A/B/V), [15] statistics type ("" none),
-- [16] actor, [17] document count n, then per document 7 fields: title, kind, media type,
-- sha256, size, source event id, event id (of its DocumentFiled), then [18+7n] the
-- VorgangClosed event id, [19+7n] a reference to fetch ("" none; P fetch, fetcher.h).
-- Returns {Vorgang az, documents added, versions added}; 0 for an event applied before.
if KEYS[1] ~= '' and inbox_seen(KEYS[1]) then return 0 end
local now = now_ms()
local time = ARGV[12]
local src = P .. 'src:' .. ARGV[4] .. ':' .. ARGV[5]
local az = redis.call('GET', src)
if not az then
  local item = ARGV[6]
  local akte_key = P .. 'akte:' .. item .. ':' .. ARGV[7]
  local akte = redis.call('GET', akte_key)
  if not akte then
    akte = tostring(redis.call('INCR', P .. 'seq:akte:' .. item))
    redis.call('SET', akte_key, akte)
    redis.call('HSET', P .. 'akten', item .. '-' .. akte, ARGV[8])
  end
  local n = redis.call('INCR', P .. 'seq:vorgang:' .. item .. '-' .. akte)
  az = item .. '-' .. akte .. '.' .. n
  redis.call('SET', src, az)
  redis.call('HSET', P .. 'v:' .. az, 'item', item, 'akte', akte, 'subject', ARGV[9],
             'service', ARGV[4], 'source', ARGV[5], 'dept', ARGV[10], 'access', ARGV[11],
             'status', 'OPEN', 'opened', tostring(now), 'opentime', time, 'disposal', ARGV[14],
             'hold', '0', 'docs', '0')
  redis.call('ZADD', P .. 'list', now, az)
  redis.call('ZADD', P .. 'list:' .. item, now, az)
end
local vkey = P .. 'v:' .. az
if ARGV[10] ~= '' then redis.call('HSET', vkey, 'dept', ARGV[10]) end
if ARGV[15] ~= '' then
  redis.call('HINCRBY', vkey, 'stat:' .. ARGV[15], 1)
  -- A day's statistics Vorgang waits in P days until its day is over (Store::CloseDays).
  if redis.call('HGET', vkey, 'status') == 'OPEN' then
    local y, m, d = string.match(ARGV[5], '(%d%d%d%d)%-(%d%d)%-(%d%d)$')
    if y then redis.call('ZADD', P .. 'days', 'NX', tonumber(y .. m .. d), az) end
  end
end
local added, versions = 0, 0
local n = tonumber(ARGV[17])
for k = 0, n - 1 do
  local i = 18 + k * 7
  local title, sha, size = ARGV[i], ARGV[i + 3], ARGV[i + 4]
  local num = redis.call('HGET', P .. 'dt:' .. az, title)
  local dkey, ver
  if num then
    dkey = P .. 'd:' .. az .. '-' .. num
    local cur = redis.call('HGET', dkey, 'ver')
    if redis.call('HGET', dkey, 'sha:' .. cur) ~= sha then ver = tonumber(cur) + 1 end
  else
    num = tostring(redis.call('HINCRBY', vkey, 'docs', 1))
    redis.call('HSET', P .. 'dt:' .. az, title, num)
    dkey = P .. 'd:' .. az .. '-' .. num
    redis.call('HSET', dkey, 'title', title, 'kind', ARGV[i + 1], 'media', ARGV[i + 2])
    ver = 1
  end
  if ver then
    local v = tostring(ver)
    redis.call('HSET', dkey, 'ver', v, 'sha:' .. v, sha, 'size:' .. v, size,
               'filed:' .. v, tostring(now), 'event:' .. v, ARGV[i + 5])
    redis.call('INCR', P .. 'blobref:' .. sha)
    redis.call('SADD', P .. 'blobs', sha)
    local daz = az .. '-' .. num
    audit(time, 'FILED', daz, sha, ARGV[16])
    emit(ARGV[i + 6], time, az, 'DocumentFiled',
         pb_string(1, daz) .. pb_string(2, az) .. pb_string(3, ARGV[i + 1]) .. pb_string(4, sha) ..
         pb_int(5, size) .. pb_string(6, ARGV[4]) .. pb_string(7, ARGV[5]) .. pb_int(8, ver))
    if ver == 1 then added = added + 1 else versions = versions + 1 end
  end
end
if ARGV[13] ~= '' and redis.call('HGET', vkey, 'status') == 'OPEN' then
  redis.call('HSET', vkey, 'status', 'CLOSED', 'closed', tostring(now), 'closetime', time,
             'ddate', ARGV[13])
  redis.call('ZADD', P .. 'due', tonumber((string.gsub(ARGV[13], '-', ''))), az)
  audit(time, 'CLOSED', az, '', ARGV[16])
  emit(ARGV[18 + n * 7], time, az, 'VorgangClosed',
       pb_string(1, az) .. pb_string(2, time) .. pb_string(3, ARGV[13]) .. pb_string(4, ARGV[14]))
end
-- A document to fetch by reference (fetcher.h), queued with the filing that names it.
local fetch = ARGV[19 + n * 7]
if fetch and fetch ~= '' then redis.call('ZADD', P .. 'fetch', 'NX', now, fetch) end
if KEYS[1] ~= '' then inbox_claim(KEYS[1], ARGV[3]) end
return {az, added, versions}
