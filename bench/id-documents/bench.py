#!/usr/bin/env python3
"""id-documents numbers for `make bench` (scripts/bench-id-documents.sh starts the system):

  1. status import end to end: N applications (registered first), 5 states each as one NDJSON
     body through the gateway -> the service -> Redis (one script per 500 lines) -> outbox;
     lines/s until the answer, and until the relay has put every event on Kafka;
  2. ready -> pickup entitlement in appointments (Kafka, inbox, Lua): READY_FOR_PICKUP lines at a
     fixed rate (default 500/s, in requests of 10 lines), latency from the request to the
     entitlement's arrival (Redis TIME stamped by appointments' script), p50/p90/p99/max;
  3. writes the lookup body for wrk (lookup throughput is measured by the shell script).

Standard library only. Usage: bench.py BASE_URL CLERK_TOKEN INTEGRATOR_TOKEN REDIS_PORT OUT_DIR
"""
import datetime
import http.client
import json
import random
import socket
import string
import sys
import time
import urllib.parse

base, clerk, integrator, redis_port, out = sys.argv[1:6]
N = int(__import__("os").environ.get("BENCH_APPLICATIONS", "5000"))
RATE = int(__import__("os").environ.get("BENCH_READY_RATE", "500"))
READY = int(__import__("os").environ.get("BENCH_READY_EVENTS", "5000"))
url = urllib.parse.urlparse(base)


def conn():
    return http.client.HTTPConnection(url.hostname, url.port, timeout=120)


def redis(*args):
    s = socket.create_connection(("127.0.0.1", int(redis_port)))
    cmd = "*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a.encode()), a) for a in args)
    s.sendall(cmd.encode())
    data = b""
    while not data.endswith(b"\r\n") or data.count(b"\r\n") < expected_lines(data):
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.decode()


def expected_lines(data):
    # Enough for the replies used here: an integer, a bulk string or nil.
    if data.startswith(b"$") and not data.startswith(b"$-1"):
        return 2
    return 1


def serial(prefix, i):
    return "%s%07d" % (prefix, i)


def now_rfc3339(offset_s=0.0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def register(c, prefix, n):
    headers = {"Authorization": "Bearer " + clerk, "Content-Type": "application/json"}
    for i in range(n):
        body = json.dumps({"serial": serial(prefix, i), "documentType": "PERSONALAUSWEIS",
                           "office": "kiel-mitte", "birthDate": "1990-05-17"})
        c.request("POST", "/api/v1/id-documents/applications", body, headers)
        r = c.getresponse()
        r.read()
        if r.status != 201:
            sys.exit("register: %d" % r.status)


def outbox_len():
    reply = redis("XLEN", "idd:outbox")
    return int(reply[1:].strip())


def main():
    prefix = "".join(random.choice("CFGHJKLMNPRTVWXYZ") for _ in range(2))
    c = conn()
    t = time.time()
    register(c, prefix, N)
    print("registered %d applications in %.1f s (%.0f/s, one request each, keep-alive)"
          % (N, time.time() - t, N / (time.time() - t)))
    time.sleep(1.5)  # the states come after the registration
    lines = []
    for i in range(N):
        for k, st in enumerate(["TRANSMITTED", "IN_PRODUCTION", "SHIPPED_TO_OFFICE", "ARRIVED"]):
            lines.append(json.dumps({"serial": serial(prefix, i), "status": st,
                                     "at": now_rfc3339(-1.0 + k * 0.01)}))
    body = "\n".join(lines) + "\n"
    headers = {"Authorization": "Bearer " + integrator, "Content-Type": "application/x-ndjson"}
    before = outbox_len()
    t = time.time()
    c.request("POST", "/api/v1/id-documents/status-updates", body, headers)
    r = c.getresponse()
    answer = json.loads(r.read())
    took = time.time() - t
    if r.status != 200 or answer.get("accepted") != len(lines):
        sys.exit("import: %d %s" % (r.status, str(answer)[:300]))
    while outbox_len() > 0 and time.time() - t < 120:
        time.sleep(0.005)
    drained = time.time() - t
    print("status import: %d lines (%.1f MB NDJSON) in %.3f s = %.0f lines/s to the answer; "
          "all %d events on Kafka after %.3f s = %.0f lines/s end to end (outbox had %d before)"
          % (len(lines), len(body) / 1e6, took, len(lines) / took, len(lines), drained,
             len(lines) / drained, before))

    # Ready at a fixed rate; the entitlement's arrival in appointments is stamped by its script.
    per_request = 10
    interval = per_request / RATE
    sent = {}
    answers = []  # how long each import request took to its answer
    ready_n = min(READY, N)
    t0 = time.time()
    for b in range(0, ready_n, per_request):
        due = t0 + (b // per_request) * interval
        while time.time() < due:
            time.sleep(0.0005)
        chunk = []
        for i in range(b, min(b + per_request, ready_n)):
            chunk.append(json.dumps({"serial": serial(prefix, i), "status": "READY_FOR_PICKUP",
                                     "at": now_rfc3339()}))
        stamp = time.time()
        c.request("POST", "/api/v1/id-documents/status-updates", "\n".join(chunk), headers)
        r = c.getresponse()
        r.read()
        answers.append(time.time() - stamp)
        for i in range(b, min(b + per_request, ready_n)):
            sent[i] = stamp
    offered = ready_n / (time.time() - t0)
    # Each application's pickup code (from the lookup) names its entitlement in appointments.
    latencies = []
    lookups = {"Content-Type": "application/json"}
    missing = 0
    for i in range(ready_n):
        c.request("POST", "/api/v1/id-documents/status-lookup",
                  json.dumps({"serial": serial(prefix, i), "birthDate": "1990-05-17"}), lookups)
        r = c.getresponse()
        code = json.loads(r.read()).get("pickupCode", "")
        deadline = time.time() + 30
        reply = redis("HGET", "appt:pickup:" + code, "at")
        while (not reply.startswith("$") or reply.startswith("$-1")) and time.time() < deadline:
            time.sleep(0.05)
            reply = redis("HGET", "appt:pickup:" + code, "at")
        if not reply.startswith("$") or reply.startswith("$-1"):
            missing += 1
            if missing == 1:
                print("no entitlement for pickup code %r (lookup answered %d)" % (code, r.status))
            continue
        at_ms = int(reply.split("\r\n")[1])
        latencies.append(at_ms / 1000.0 - sent[i])
    latencies.sort()
    if not latencies:
        sys.exit("ready -> entitlement: no entitlement arrived in appointments")

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100.0 * len(latencies)))] * 1000

    print("ready -> pickup entitlement in appointments at %.0f events/s offered (%d events, "
          "requests of %d lines): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; %d missing"
          % (offered, len(latencies), per_request, pct(50), pct(90), pct(99),
             latencies[-1] * 1000, missing))
    answers.sort()
    print("  of which the import requests' answers (HTTP -> id-documents -> Redis): p50 %.1f ms, "
          "p99 %.1f ms, max %.1f ms"
          % (answers[len(answers) // 2] * 1000, answers[int(0.99 * len(answers))] * 1000,
             answers[-1] * 1000))
    with open(out + "/lookup.json", "w") as f:
        json.dump({"serial": serial(prefix, 0), "birthDate": "1990-05-17"}, f)


main()
