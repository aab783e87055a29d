-- Stores what the integrator hashed: the tree's nodes for the entries [from, to) and the new
-- size, only if the size is still `from` (another replica may have integrated them meanwhile:
-- the nodes are the same, so nothing is lost). ARGV[3] from, [4] to, then pairs of
-- "<level>:<index>" and the node's 32 bytes, then (after the marker '--') pairs of leaf hash
-- (hex) and index. Returns 1 when stored, 0 when another replica was first.
local size = tonumber(redis.call('GET', P .. 'audit:size') or '0')
if size ~= tonumber(ARGV[3]) then return 0 end
local i = 5
local nodes = {}
while ARGV[i] ~= '--' do
  nodes[#nodes + 1] = ARGV[i]
  nodes[#nodes + 1] = ARGV[i + 1]
  i = i + 2
end
if #nodes > 0 then redis.call('HSET', P .. 'audit:nodes', unpack(nodes)) end
i = i + 1
local leaves = {}
while i <= #ARGV do
  leaves[#leaves + 1] = ARGV[i]
  leaves[#leaves + 1] = ARGV[i + 1]
  i = i + 2
end
if #leaves > 0 then redis.call('HSET', P .. 'audit:byhash', unpack(leaves)) end
redis.call('SET', P .. 'audit:size', ARGV[4])
return 1
