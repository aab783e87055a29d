-- Appends events to the outbox alone, with no other state change.
-- KEYS[1] outbox stream; ARGV: 8 fields per event (see outbox_append).
local n = 0
for i = 1, #ARGV, 8 do
  outbox_append(KEYS[1], ARGV, i)
  n = n + 1
end
return n
