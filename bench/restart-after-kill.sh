#!/usr/bin/env bash
# Recovery of ./mayfly standalone after kill -9. Usage: bench/restart-after-kill.sh [runs]
# Per run: starts standalone on a fresh data dir, pushes a counter until it is served, pushes again (an open
# transaction is likely at the kill), kill -9, restarts on the same data at once, pushes +1 as soon as a push is
# acknowledged, and reports seconds from the restart to: the first acknowledged push, /-/ready 200, and the new sum
# visible on GET /metrics. Data and logs stay in target/restart-after-kill/. Ports: BENCH_HTTP_PORT (23091),
# BENCH_KAFKA_PORT (23092); BENCH_JAR picks another build of the launcher (default launcher/target/mayfly.jar).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
http=${BENCH_HTTP_PORT:-23091}; kafka=${BENCH_KAFKA_PORT:-23092}
base="http://127.0.0.1:$http"
jar=${BENCH_JAR:-launcher/target/mayfly.jar}
[ -f "$jar" ] || ./mayfly --help >/dev/null
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
start_standalone() { # datadir log
  java ${MAYFLY_JAVA_OPTS:--Xmx1g -XX:+UseSerialGC} -jar "$jar" standalone --data-dir "$1" \
      --http-port $http --kafka-port $kafka --bind 127.0.0.1 >> "$2" 2>&1 &
  echo $!
}
push() { # increment key -> 0 when acknowledged
  printf '# TYPE restart_bench_total counter\nrestart_bench_total %s\n' "$1" \
    | curl -fs -o /dev/null -m 5 -H "Idempotency-Key: $2" --data-binary @- "$base/metrics/job/restart"
}
served() { curl -fs -m 5 "$base/metrics" 2>/dev/null | awk '$1 == "restart_bench_total{job=\"restart\"}" {print $2+0}'; }
await_value() { # value timeout-seconds -> 0 when served
  local deadline=$(( $(date +%s) + $2 ))
  while [ "$(date +%s)" -lt $deadline ]; do
    [ "$(served)" = "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
for i in $(seq 1 "$runs"); do
  d=target/restart-after-kill/${BENCH_TAG:-run}-$i/data; log="$d.log"
  rm -rf "$(dirname "$d")"; mkdir -p "$(dirname "$d")"
  pid=$(start_standalone "$d" "$log")
  until curl -fs "$base/-/ready" >/dev/null 2>&1; do
    sleep 0.1; kill -0 $pid 2>/dev/null || { echo "standalone exited:"; tail -5 "$log"; exit 1; }
  done
  n=0
  until push 1 "run$i-a"; do sleep 0.1; done; n=1
  await_value $n 120 || { echo "first push not served"; kill -9 $pid; exit 1; }
  for k in 1 2 3 4 5; do push 1 "run$i-b$k" && n=$((n + 1)); done
  sleep 0.05
  kill -9 $pid; while kill -0 $pid 2>/dev/null; do sleep 0.05; done
  # what was acknowledged must be served after the restart: the expected sum is n + 1
  t0=$(now)
  pid=$(start_standalone "$d" "$log")
  until push 1 "run$i-c"; do sleep 0.1; done
  acked=$(since "$t0")
  ready=""; visible=""
  deadline=$(( $(date +%s) + 120 ))
  while [ "$(date +%s)" -lt $deadline ] && { [ -z "$ready" ] || [ -z "$visible" ]; }; do
    [ -z "$ready" ] && curl -fs "$base/-/ready" >/dev/null 2>&1 && ready=$(since "$t0")
    [ -z "$visible" ] && [ "$(served)" = "$((n + 1))" ] && visible=$(since "$t0")
    sleep 0.1
  done
  printf '%s load %s run %d: restart -> push acknowledged %5.1f s, /-/ready %5s s, push visible (sum %d) %5s s\n' \
      "$(date -u +%H:%M)" "$(cut -d' ' -f1 /proc/loadavg)" "$i" "$acked" "${ready:-never}" $((n + 1)) "${visible:-never}"
  kill -TERM $pid; while kill -0 $pid 2>/dev/null; do sleep 0.1; done
done
