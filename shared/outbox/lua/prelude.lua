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
