-- Platform prelude: prepended to every service script (redis::Script::WithPrelude), so a state
-- change, its outbox entry and its inbox record are written by one script, atomically.

-- Appends one event to the outbox stream. The 8 fields start at argv[i], in the order that
-- outbox::Outbox::AppendArgs writes them.
local function outbox_append(stream, argv, i)
  return redis.call('XADD', stream, '*',
    'id', argv[i], 'topic', argv[i + 1], 'key', argv[i + 2], 'type', argv[i + 3],
    'time', argv[i + 4], 'subject', argv[i + 5], 'traceparent', argv[i + 6],
    'payload', argv[i + 7])
end

-- Redis's clock in milliseconds (scripts replicate their effects, so TIME is allowed).
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A consumer's script: `if inbox_seen(KEYS[i]) then return 0 end` first, then every check, then
-- the writes, and `inbox_claim(KEYS[i], ttl)` last. Redis keeps what a script wrote before it
-- failed, so a claim written first would make the retry of a script that failed half-way skip
-- the event.

-- True when the event (by its ce_id, inside `key`) was applied before: change nothing then.
local function inbox_seen(key)
  return redis.call('EXISTS', key) == 1
end

-- Records that the event was applied; false when it was recorded before. The record expires
-- after ttl seconds, longer than any redelivery can come (Kafka's retention).
local function inbox_claim(key, ttl)
  return redis.call('SET', key, '1', 'NX', 'EX', ttl) ~= false
end

-- Idempotent commands (a caller's Idempotency-Key, scoped by the service): the script is called
-- with KEYS[1] naming the command's record and its last two ARGV the keyed hash of the request
-- and the record's lifetime in ms; without KEYS every command runs. A script calls
-- `local again = command_replay() if again then return again end` before anything else and
-- `command_record(ref, at)` with its other writes: the record is written with the change, so a
-- retry after an answer that got lost (a timeout) finds it and does not change anything twice.

-- nil when the command has not run; {'command-replay', ref, at} when it has (ref and at as
-- recorded); {'command-mismatch'} when the key was used for another request.
local function command_replay()
  if #KEYS == 0 then return nil end
  local r = redis.call('HMGET', KEYS[1], 'request', 'ref', 'at')
  if not r[1] then return nil end
  if r[1] ~= ARGV[#ARGV - 1] then return {'command-mismatch'} end
  return {'command-replay', r[2], r[3]}
end

-- Records the command's result: `ref` names what it made or changed, `at` a number the caller
-- needs to rebuild its answer (strings both).
local function command_record(ref, at)
  if #KEYS == 0 then return end
  redis.call('HSET', KEYS[1], 'request', ARGV[#ARGV - 1], 'ref', ref, 'at', at)
  redis.call('PEXPIRE', KEYS[1], ARGV[#ARGV])
end
