#!/usr/bin/env python3
"""Targets and report of the open-loop (fixed-rate) booking benchmark (scripts/bench-http.sh).

  open_loop.py targets AVAILABILITY_JSON BASE_URL OFFICE SERVICE COUNT > targets.jsonl
      vegeta JSON targets: COUNT bookings (POST /api/v1/bookings), each start used at most as
      often as it is free, so every request can succeed; a distinct e-mail address each.
  open_loop.py report SCENARIO < vegeta-report.json
      one RESULT line in the format of bench/http/report.lua.
"""
import base64
import json
import random
import sys


def targets(availability, base, office, service, count):
    with open(availability) as f:
        slots = json.load(f)["slots"]
    pool = [s["start"] for s in slots for _ in range(s.get("free", 0))]
    if len(pool) < count:
        sys.exit(f"open_loop: only {len(pool)} free places for {count} bookings")
    random.seed(20261205)
    random.shuffle(pool)
    run = random.randrange(1 << 30)
    out = sys.stdout
    for n in range(count):
        body = json.dumps({"office": office, "services": [{"id": service, "quantity": 1}],
                           "start": pool[n], "name": f"Open Loop {n}",
                           "email": f"open-{run}-{n}@example.org"}, separators=(",", ":"))
        out.write(json.dumps({"method": "POST", "url": f"{base}/api/v1/bookings",
                              "header": {"Content-Type": ["application/json"]},
                              "body": base64.b64encode(body.encode()).decode()}) + "\n")


def report(scenario):
    r = json.load(sys.stdin)
    lat = r["latencies"]
    ms = lambda ns: f"{ns / 1e6:.2f}"
    statuses = ",".join(f"{k}:{v}" for k, v in sorted(r["status_codes"].items()))
    errors = len(r.get("errors") or [])
    print(f"RESULT {scenario} {r['requests']} {r['throughput']:.0f} {ms(lat['50th'])} {ms(lat['99th'])} "
          f"{ms(lat['max'])} {statuses} errors={errors} offered={r['rate']:.0f}/s")


if __name__ == "__main__":
    if sys.argv[1] == "targets":
        targets(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    elif sys.argv[1] == "report":
        report(sys.argv[2])
    else:
        sys.exit(__doc__)
