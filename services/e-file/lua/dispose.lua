-- Disposes of a Vorgang under the Aktenplan. ARGV[3] time (RFC 3339), [4] Aktenzeichen, [5] today
-- (YYYYMMDD, Europe/Berlin), [6] decision for B ("", "destroy", "archive"), [7] actor, [8] the
-- VorgangDisposed event id. Destroying marks every document disposed, drops the blobs no other
-- document names (returned, for the caller to delete), and removes the Vorgang's subject and
-- source id; the audit log keeps its entries (hashes, not content). A and B-archive need the
-- Vorgang's export package first.
-- Returns {'ok', sha...} or {'err', problem}.
local az = ARGV[4]
local vkey = P .. 'v:' .. az
local v = redis.call('HMGET', vkey, 'status', 'hold', 'ddate', 'disposal', 'docs', 'service',
                     'source', 'exported')
if not v[1] then return {'err', 'not-found'} end
if v[1] == 'OPEN' then return {'err', 'vorgang-open'} end
if v[1] == 'DISPOSED' then return {'err', 'vorgang-disposed'} end
if v[2] == '1' then return {'err', 'legal-hold'} end
if tonumber((string.gsub(v[3] or '99999999', '-', ''))) > tonumber(ARGV[5]) then
  return {'err', 'retention-not-over'}
end
local kind = v[4]
-- A (and B decided "archive") go to the archive: only once their export package exists, then
-- the content is deleted here as for V (the archive holds it).
if kind == 'B' then
  if ARGV[6] == '' then return {'err', 'decision-required'} end
  if ARGV[6] == 'archive' and not v[8] then return {'err', 'export-required'} end
elseif kind == 'A' then
  if not v[8] then return {'err', 'export-required'} end
end
local out = {'ok'}
local docs = tonumber(v[5] or '0')
for k = 1, docs do
  local dkey = P .. 'd:' .. az .. '-' .. k
  local ver = tonumber(redis.call('HGET', dkey, 'ver') or '0')
  for n = 1, ver do
    local sha = redis.call('HGET', dkey, 'sha:' .. n)
    if sha then
      local left = redis.call('DECR', P .. 'blobref:' .. sha)
      if left <= 0 then
        redis.call('DEL', P .. 'blobref:' .. sha)
        redis.call('SREM', P .. 'blobs', sha)
        out[#out + 1] = sha
      end
    end
  end
  redis.call('HSET', dkey, 'disposed', '1')
end
redis.call('DEL', P .. 'dt:' .. az)
if v[6] and v[7] then redis.call('DEL', P .. 'src:' .. v[6] .. ':' .. v[7]) end
redis.call('HDEL', vkey, 'subject', 'source')
redis.call('HSET', vkey, 'status', 'DISPOSED', 'disposedtime', ARGV[3])
redis.call('ZREM', P .. 'due', az)
audit(ARGV[3], 'DISPOSED', az, '', ARGV[7])
emit(ARGV[8], ARGV[3], az, 'VorgangDisposed',
     pb_string(1, az) .. pb_string(2, ARGV[3]) .. pb_string(3, kind) .. pb_int(4, docs))
return out
