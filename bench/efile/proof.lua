-- GET /api/v1/audit/proofs/inclusion for a random leaf of the signed tree (PROOF_LEAVES entries),
-- so no answer is the same twice in a row (the gateway's micro-cache cannot serve them).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
local leaves = tonumber(os.getenv("PROOF_LEAVES"))
math.randomseed(os.time())

function request()
  return wrk.format("GET", "/api/v1/audit/proofs/inclusion?leaf=" .. math.random(0, leaves - 1))
end
