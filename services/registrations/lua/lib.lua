-- The registrations library, placed after the platform prelude and before every script of this
-- service (store.cc). Key layout under the prefix P (ARGV[1], e.g. "reg:"):
--   P case:<id>           hash  a case: type, office, status, owner (keyed hash of the citizen's
--                               subject), move, due, overdue (0/1), submitted, updated (ms),
--                               v (version, +1 per change), claim_by, claim_until (ms),
--                               confirmation, letter (0/1: a code letter was sent), codeh (keyed
--                               hash of the letter's code), codetries, confirmed (0/1),
--                               data, info, answer, reason, email (sealed), rueck (date), persons,
--                               certs ("code1,code2,..."), counter (rejected: the code for
--                               the counter appointment, RegistrationRejected.counter_code)
--   P idx:<office>:<status> / P idx:<office>:*   zset  ids by submission time (ms): the queue
--   P owner:<owner>       zset  one citizen's case ids by submission time (ms): their status page
--   P cert:<code>         hash  a Meldebestätigung: id, n (person), sha (hex), at (ms), office
--   P pdf:<id>:<n>        string  the PDF (sealed)
--   P exports             stream  the Rückmeldungen for the Fachverfahren: id, ags (the previous
--                               municipality), due, xml (sealed); the entry id is the cursor
--   P exports:acked       string  the highest cursor an integrator continued from: every
--                               Rückmeldung up to it has been fetched and processed
--   P rueckoverdue        zset  ids whose Rückmeldung is past due and not yet fetched (by due ms)
--   P timers              zset  "purge|<id>" (retention after the case ended), "email|<id>"
--                               (the e-mail address's shorter retention), "rueck|<id>"
--                               (the end of the Rückmeldung's due day) by due time (ms)
--   P stats               hash  "<type>|<status>" -> cases purged after retention
-- ARGV[2] is the outbox stream.
local P = ARGV[1]
local OUTBOX = ARGV[2]

local function case_key(id) return P .. 'case:' .. id end

local function index_move(office, id, old_status, new_status, score)
  if old_status then redis.call('ZREM', P .. 'idx:' .. office .. ':' .. old_status, id) end
  redis.call('ZADD', P .. 'idx:' .. office .. ':' .. new_status, score, id)
  redis.call('ZADD', P .. 'idx:' .. office .. ':*', score, id)
end

-- Appends `count` events whose 8 fields each start at argv[i]; returns the next index.
local function append_events(argv, i, count)
  for e = 0, count - 1 do outbox_append(OUTBOX, argv, i + e * 8) end
  return i + count * 8
end

-- Stream ids "<ms>-<seq>" compared as numbers: true when a <= b.
local function cursor_le(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  if not am or not bm then return false end
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as <= bs)
end
