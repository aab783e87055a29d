-- The id-documents library, placed after the platform prelude and before every script of this
-- service (store.cc). Key layout under the prefix P (ARGV[1], e.g. "idd:"):
--   P app:<id>            hash  an application: type, office, delivery, express, fee, status,
--                               at (ms of the current state), created (ms), pin (0/1), code (the
--                               pickup code), ready (ms), closed (ms), serial (sealed), sl (keyed
--                               hash of the serial), bh (keyed hash of serial and birth date),
--                               email (sealed; deleted at handover or delivery: no message can
--                               come after) and proxy (sealed), oldinv, o1..o8 (DocumentPickupOverdue,
--                               prepared when it became ready)
--   P serial:<sl>         string  the id of the serial's newest application
--   P seen:<id>           set   "<status>|<at ms>" of every update applied (idempotent import)
--   P code:<code>         string  the application of a pickup code
--   P idx:<office>:<status> / P idx:<office>:*   zset  ids by the time of their state (ms)
--   P timers              zset  "overdue|<id>" / "purge|<id>" by due time (ms)
--   P fail:<sl>           string  wrong birth dates in the lookup window (expires)
--   P stats               hash  "<type>|<final status>" -> applications purged after retention
--   P stickers:<office>   zset  ids whose holder moved (registrations' AddressChanged): the
--                               address sticker is due (app fields sticker 1/0, stickerat,
--                               stickerdone)
-- ARGV[2] is the outbox stream.
local P = ARGV[1]
local OUTBOX = ARGV[2]

local function app_key(id) return P .. 'app:' .. id end

local function index_move(office, id, old_status, new_status, at)
  if old_status then redis.call('ZREM', P .. 'idx:' .. office .. ':' .. old_status, id) end
  redis.call('ZADD', P .. 'idx:' .. office .. ':' .. new_status, at, id)
  redis.call('ZADD', P .. 'idx:' .. office .. ':*', at, id)
end

-- Appends `count` events whose 8 fields each start at argv[i]; returns the next index.
local function append_events(argv, i, count)
  for e = 0, count - 1 do outbox_append(OUTBOX, argv, i + e * 8) end
  return i + count * 8
end
