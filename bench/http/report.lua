-- Shared by the wrk scenarios: counts answers by status in every thread and prints one line
--   RESULT <scenario> <requests> <req/s> <p50 ms> <p99 ms> <max ms> <status:count,...>
local threads = {}
counts = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, status .. ":" .. n) end
  table.sort(parts)
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT %s %d %.0f %.2f %.2f %.2f %s errors=%d\n",
    os.getenv("SCENARIO") or "?", summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    table.concat(parts, ","),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
