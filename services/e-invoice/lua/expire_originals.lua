-- Gives up the originals of rejected invoices whose retention ended (P originals-due, a zset of
-- invoice ids by original_until_ms): the record stays, its `sha256` goes (so the blob collection
-- removes the file) and `original_deleted_at` records when. An invoice no longer REJECTED (not
-- possible today: REJECTED is final) keeps its original. ARGV[3]: at most this many per call.
-- Returns {given up, next due ms or -1, now ms} by the Redis clock.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due_key = P .. 'originals-due'
local due = redis.call('ZRANGEBYSCORE', due_key, '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local given_up = 0
for _, id in ipairs(due) do
  local key = P .. 'inv:' .. id
  if redis.call('HGET', key, 'status') == 'REJECTED' and redis.call('HEXISTS', key, 'sha256') == 1 then
    redis.call('HDEL', key, 'sha256')
    redis.call('HSET', key, 'original_deleted_ms', now)
    given_up = given_up + 1
  end
  redis.call('ZREM', due_key, id)
end
local first = redis.call('ZRANGE', due_key, 0, 0, 'WITHSCORES')
return {given_up, first[2] and tonumber(first[2]) or -1, now}
