-- Records an export package (its zip is in the blob store already) and marks its Vorgänge
-- exported, each with an EXPORTED audit entry. ARGV[3] time (RFC 3339), [4] export id,
-- [5] sha256, [6] size, [7] actor, [8] ExportCreated event id, [9] count n, [10..] the
-- Aktenzeichen. Returns 'ok', or {'err', problem, Aktenzeichen} when one is no longer closed.
local n = tonumber(ARGV[9])
for i = 10, 9 + n do
  local status = redis.call('HGET', P .. 'v:' .. ARGV[i], 'status')
  if status ~= 'CLOSED' then return {'err', status == 'OPEN' and 'vorgang-open' or 'vorgang-disposed', ARGV[i]} end
end
redis.call('HSET', P .. 'export:' .. ARGV[4], 'sha', ARGV[5], 'size', ARGV[6], 'created', ARGV[3],
           'count', tostring(n), 'by', ARGV[7])
redis.call('INCR', P .. 'blobref:' .. ARGV[5])
redis.call('SADD', P .. 'blobs', ARGV[5])
for i = 10, 9 + n do
  redis.call('HSET', P .. 'v:' .. ARGV[i], 'exported', ARGV[4])
  audit(ARGV[3], 'EXPORTED', ARGV[i], ARGV[5], ARGV[7])
end
emit(ARGV[8], ARGV[3], ARGV[4], 'ExportCreated',
     pb_string(1, ARGV[4]) .. pb_string(2, ARGV[5]) .. pb_int(3, ARGV[6]) .. pb_int(4, n))
return 'ok'
