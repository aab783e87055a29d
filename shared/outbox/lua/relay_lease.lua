-- Takes or renews the relay lease. KEYS[1] lease key; ARGV[1] instance id; ARGV[2] ttl in ms.
-- Returns 1 while this instance holds the lease, 0 when another one does.
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
