-- Takes the messages that are due: each is leased (its due time moved `lease` ahead), so a
-- sender that dies while sending leaves it to be sent again after the lease, and two replicas
-- never send one message at the same time. ARGV[1] key prefix, [2] at most this many, [3] lease
-- (ms). Returns {now_ms, next_due_ms or '', {id, kind, code, start, attempts, created}...}; each
-- claimed job's due time is now + lease (hold.lua renews it before the message is sent).
local P = ARGV[1]
local now = now_ms()
local due = P .. 'due'
local ids = redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local j = redis.call('HMGET', P .. 'job:' .. id, 'kind', 'code', 'start', 'attempts', 'created')
  if j[1] then
    redis.call('ZADD', due, now + tonumber(ARGV[3]), id)
    out[#out + 1] = {id, j[1], j[2], j[3], j[4], j[5]}
  else
    redis.call('ZREM', due, id)  -- expired: nothing left to send
  end
end
local first = redis.call('ZRANGE', due, 0, 0, 'WITHSCORES')
return {now, first[2] or '', out}
