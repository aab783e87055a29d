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

-- Records that an event (by its ce_id, inside `key`) was applied. Returns false when it was
-- applied before: the caller must then change nothing. The record expires after ttl seconds,
-- longer than any redelivery can come (Kafka's retention).
local function inbox_claim(key, ttl)
  return redis.call('SET', key, '1', 'NX', 'EX', ttl) ~= false
end
