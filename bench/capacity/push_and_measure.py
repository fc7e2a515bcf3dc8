#!/usr/bin/python3
"""Pushes N Pushgateway-format pushes of K points to a standalone and prints the growth of the events topic on disk.

Usage: push_and_measure.py HTTP_PORT EVENTS_LOG_DIR N K [THREADS]
EVENTS_LOG_DIR is the data dir's kafka/kafka-logs; every mayfly-events-* partition's .log segments are summed.
"""
import glob, http.client, os, sys, threading, time

port, logdir, n, k = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 1
ROUTES = ["/checkout", "/cart", "/search", "/login", "/images/resize"]
CODES = ["200", "201", "404", "500"]

def body(i):
    lines = []
    for j in range(k):
        kind = j % 3
        route, code = ROUTES[j % len(ROUTES)], CODES[(i + j) % len(CODES)]
        if kind == 0:
            lines.append("# TYPE app_requests_%d_total counter" % j)
            lines.append('app_requests_%d_total{route="%s",method="GET",code="%s"} %d' % (j, route, code, 1 + i % 7))
        elif kind == 1:
            lines.append("# TYPE app_duration_%d_seconds_sum counter" % j)
            lines.append('app_duration_%d_seconds_sum{route="%s",method="POST"} %.3f' % (j, route, 0.013 * (1 + i % 11)))
        else:
            lines.append("# TYPE app_queue_%d_depth gauge" % j)
            lines.append('app_queue_%d_depth{queue="q%d"} %d' % (j, j, i % 100))
    return ("\n".join(lines) + "\n").encode()

def size():
    return sum(os.path.getsize(f) for f in glob.glob(os.path.join(logdir, "mayfly-events-*", "*.log")))

def worker(t):
    c = http.client.HTTPConnection("localhost", port)
    for i in range(t, n, threads):
        c.request("POST", "/metrics/job/capacity/instance/i%d" % (i % 20), body(i))
        r = c.getresponse(); r.read()
        if r.status != 200:
            raise SystemExit("push %d: HTTP %d" % (i, r.status))

before = size()
start = time.time()
ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
[t.start() for t in ts]; [t.join() for t in ts]
elapsed = time.time() - start
time.sleep(2)
grown = size() - before
print("pushes=%d points=%d threads=%d text_bytes_per_push=%d topic_bytes=%d bytes_per_event=%.0f bytes_per_point=%.1f (%.1f s)"
      % (n, k, threads, len(body(0)), grown, grown / n, grown / n / k, elapsed))
