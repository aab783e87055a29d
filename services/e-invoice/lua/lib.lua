-- The e-invoice library, placed after the platform prelude and before every script of this
-- service (store.cc). Key layout under the prefix P (ARGV[1], e.g. "inv:"):
--   P inv:<id>                  hash  the invoice (fields: see store.h)
--   P hist:<id>                 list  its status changes, JSON {status, at, by, reason}
--   P dup:<sha-256 of seller|number|date>  string  the id of the accepted invoice it names
--   P idx:<status>:<department> zset  invoice ids by arrival (ms); department "-" for none
--   P idx:<status>:*            zset  the same across departments (the invoice office)
--   P originals-due             zset  rejected invoice ids by the end of their original's retention
-- ARGV[2] is the outbox stream.
local P = ARGV[1]
local OUTBOX = ARGV[2]

local function index_add(status, department, id, score)
  redis.call('ZADD', P .. 'idx:' .. status .. ':' .. department, score, id)
  redis.call('ZADD', P .. 'idx:' .. status .. ':*', score, id)
end

local function index_remove(status, department, id)
  redis.call('ZREM', P .. 'idx:' .. status .. ':' .. department, id)
  redis.call('ZREM', P .. 'idx:' .. status .. ':*', id)
end

-- A rejected invoice's original is kept until its field original_until_ms (the service's
-- RATHAUS_EINVOICE_REJECTED_RETENTION after the rejection): P originals-due holds it by then
-- (expire_originals.lua).
local function schedule_original_expiry(key, id, status)
  if status ~= 'REJECTED' then return end
  local until_ms = redis.call('HGET', key, 'original_until_ms')
  if until_ms then redis.call('ZADD', P .. 'originals-due', tonumber(until_ms), id) end
end

-- ARGV[i] holds a count n, then n field/value pairs: HSET them on `key`. Returns the index
-- after the pairs.
local function hset_pairs(key, i)
  local n = tonumber(ARGV[i])
  if n > 0 then
    local args = {}
    for k = 1, 2 * n do args[k] = ARGV[i + k] end
    redis.call('HSET', key, unpack(args))
  end
  return i + 1 + 2 * n
end
