-- wrk: the citizens' lookup of one known serial (body from bench.py), POST with JSON.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
local f = io.open(os.getenv("LOOKUP_BODY_FILE"), "r")
local body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
