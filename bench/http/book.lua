-- POST /api/v1/bookings spread over the free starts listed in $STARTS_FILE (one per line),
-- each request with its own e-mail address (the quota is per address).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local starts = {}
local n = 0
local id = 0

function init(args)
  for line in io.lines(os.getenv("STARTS_FILE")) do table.insert(starts, line) end
  id = math.random(1, 1e9)
end

function request()
  n = n + 1
  local start = starts[((id + n) % #starts) + 1]
  local body = string.format(
    '{"office":"%s","services":[{"id":"%s","quantity":1}],"start":"%s","name":"Bench %d","email":"bench-%d-%d@example.org"}',
    os.getenv("OFFICE"), os.getenv("SERVICE"), start, n, id, n)
  return wrk.format("POST", "/api/v1/bookings", {["Content-Type"] = "application/json"}, body)
end
