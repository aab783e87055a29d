-- The e-file library, placed after the platform prelude and before every script of this service
-- (store.cc). Key layout under the prefix P (ARGV[1], "efile:"):
--   P seq:akte:<item>          counter  the item's Akten
--   P akte:<item>:<group>      string   the Akte number of a group (an office, a year, ...)
--   P akten                    hash     "<item>-<akte>" -> the Akte's title
--   P seq:vorgang:<item>-<a>   counter  the Akte's Vorgänge
--   P src:<service>:<id>       string   the Vorgang (Aktenzeichen) of a source aggregate
--   P v:<az>                   hash     a Vorgang: item, akte, subject, service, source, dept,
--                                       access, status (OPEN, CLOSED, DISPOSED, EXPORTED),
--                                       opened/closed (ms), ddate (YYYY-MM-DD), disposal (A/B/V),
--                                       hold (0/1), holdreason, docs (count), stat:<type>
--                                       (statistics items), closetime/disposedtime (RFC 3339)
--   P d:<az>-<n>               hash     a document: title, kind, media, ver (newest version),
--                                       sha:<v>, size:<v>, filed:<v> (ms), event:<v>, disposed
--   P dt:<az>                  hash     title -> document number (a title filed again: version)
--   P list / P list:<item>     zset     Vorgänge by opening time (ms)
--   P blobref:<sha>            counter  documents naming a blob (disposal deletes at 0)
--   P blobs                    set      every blob a document names (the blob collector's list)
--   P due                      zset     closed Vorgänge by disposal date (YYYYMMDD)
--   P days                     zset     open day-statistics Vorgänge by their day (YYYYMMDD)
--   P fetch                    zset     documents to fetch by reference, by next attempt (ms);
--                                       P fetch:tries  hash  reference -> failed attempts
--   P export:<id>              hash     an export package: sha (its zip in the blob store), size,
--                                       created, count, by (Vorgang field exported = the id)
--   P audit:entries            list     the audit log's entries, in order (the leaves)
-- ARGV[2] is the outbox stream.
local P = ARGV[1]
local OUTBOX = ARGV[2]

-- Protocol buffers' wire format for the few events this service writes from a script (their
-- Aktenzeichen are only known here): string and integer fields.
local function pb_varint(n)
  local out = {}
  repeat
    local b = n % 128
    n = math.floor(n / 128)
    if n > 0 then b = b + 128 end
    out[#out + 1] = string.char(b)
  until n == 0
  return table.concat(out)
end
local function pb_string(field, s)
  if s == nil or s == '' then return '' end
  return pb_varint(field * 8 + 2) .. pb_varint(#s) .. s
end
local function pb_int(field, n)
  n = tonumber(n) or 0
  if n == 0 then return '' end
  return pb_varint(field * 8) .. pb_varint(n)
end

-- Appends an event of this service: id and time come from the caller (ARGV), the payload is
-- built here.
local function emit(id, time, key, type, payload)
  outbox_append(OUTBOX, {id, 'rathaus.e-file.v1', key, 'rathaus.e_file.v1.' .. type, time, key,
                         '', payload}, 1)
end

-- Appends one entry to the audit log (a leaf of the Merkle tree; the integrator hashes it in).
-- The entry is compact JSON with a fixed order of members; its bytes are the leaf.
local function audit(time, action, az, sha, actor)
  local entry = '{"time":' .. cjson.encode(time) .. ',"action":' .. cjson.encode(action) ..
      ',"aktenzeichen":' .. cjson.encode(az) .. ',"sha256":' .. cjson.encode(sha or '') ..
      ',"actor":' .. cjson.encode(actor) .. '}'
  return redis.call('RPUSH', P .. 'audit:entries', entry) - 1
end
