-- Claims an Idempotency-Key for one request, or reports what happened to it before.
-- KEYS[1] record key; ARGV[1] request hash; ARGV[2] lease of an in-flight claim in milliseconds.
-- Returns {"new"} (the caller runs the request and stores its answer), {"mismatch"} (the key
-- was used for another request), {"in-flight"} (the first request has not answered yet), or
-- {"replay", answer} (the answer as the gateway sealed it; see idempotency.h).
local hash = redis.call('HGET', KEYS[1], 'hash')
if not hash then
  redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'state', 'pending')
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'new'}
end
if hash ~= ARGV[1] then
  return {'mismatch'}
end
if redis.call('HGET', KEYS[1], 'state') ~= 'done' then
  return {'in-flight'}
end
return {'replay', redis.call('HGET', KEYS[1], 'answer')}
