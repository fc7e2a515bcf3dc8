#!/usr/bin/env python3
"""Group deletes against a running Mayfly (standalone or gateway): N DELETEs of distinct groups, C in flight at once,
then the push / DELETE / push race on G groups (each group must end with exactly the push sent after its 202).

Usage: bench/delete-burst.py BASE_URL [N=1600] [C=200] [G=40]
  e.g. java -Xmx1g -XX:+UseSerialGC -jar launcher/target/mayfly.jar standalone --data-dir /tmp/d --bind 127.0.0.1 &
       bench/delete-burst.py http://127.0.0.1:9091
Prints the answers by status, the wall time, the latency p50/max, and how many race groups came out exact.
"""
import concurrent.futures
import re
import sys
import time
import urllib.error
import urllib.request

base = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1600
in_flight = int(sys.argv[3]) if len(sys.argv) > 3 else 200
groups = int(sys.argv[4]) if len(sys.argv) > 4 else 40
run = str(int(time.time()))


def send(method, path, body=None):
    request = urllib.request.Request(base + path, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def delete(i):
    started = time.time()
    return send("DELETE", f"/metrics/job/burst/instance/r{run}x{i}"), time.time() - started


started = time.time()
with concurrent.futures.ThreadPoolExecutor(in_flight) as pool:
    answers = list(pool.map(delete, range(n)))
wall = time.time() - started
codes = {}
for code, _ in answers:
    codes[code] = codes.get(code, 0) + 1
latencies = sorted(latency for _, latency in answers)
print(f"{n} DELETEs, {in_flight} in flight: answers {codes}, wall {wall:.1f} s, "
      f"latency p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")


def race(i):
    group = f"/metrics/job/race/instance/r{run}g{i}"
    assert send("POST", group, b"# TYPE race_total counter\nrace_total 100\n") == 200
    assert send("DELETE", group) == 202
    assert send("POST", group, b"# TYPE race_total counter\nrace_total 1\n") == 200


with concurrent.futures.ThreadPoolExecutor(8) as pool:
    list(pool.map(race, range(groups)))
pattern = re.compile(r'^race_total\{instance="r' + run + r'g(\d+)",job="race"\} (\S+)', re.M)
deadline = time.time() + 30
values = {}
while time.time() < deadline:
    values = {m.group(1): float(m.group(2)) for m in pattern.finditer(urllib.request.urlopen(base + "/metrics").read().decode())}
    if len(values) == groups and all(v == 1 for v in values.values()):
        break
    time.sleep(0.5)
exact = sum(1 for i in range(groups) if values.get(str(i)) == 1)
print(f"push / DELETE / push on {groups} groups: {exact} exact (the push after the 202 alone), "
      f"others {dict((g, v) for g, v in values.items() if v != 1)}, missing {[i for i in range(groups) if str(i) not in values]}")
