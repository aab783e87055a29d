-- Sets an outbox entry that Kafka refused for good aside: it moves, with the reason, from the
-- outbox to the quarantine stream, so it no longer blocks the outbox (`rathaus-outbox` lists,
-- drops or re-sends it). KEYS[1] outbox, KEYS[2] quarantine; ARGV[1] entry id, ARGV[2] reason.
-- Returns 1 when moved, 0 when the entry is no longer in the outbox.
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #entries == 0 then return 0 end
local fields = entries[1][2]
fields[#fields + 1] = 'outbox_id'
fields[#fields + 1] = ARGV[1]
fields[#fields + 1] = 'reason'
fields[#fields + 1] = ARGV[2]
redis.call('XADD', KEYS[2], '*', unpack(fields))
redis.call('XDEL', KEYS[1], ARGV[1])
return 1
