#!/usr/bin/env bash
# Push throughput of the Mayfly gateway vs the Prometheus Pushgateway, all on 127.0.0.1, one run:
#   (a) Mayfly gateway + embedded broker (validation, acks=all, answer after the acknowledgement)
#   (b) prometheus-pushgateway (Debian 1.5.1) with its default consistency check
#   (c) prometheus-pushgateway --push.disable-consistency-check
# Each target: a 15 s warm-up, then for each connection count in CONNS (default "32 512"): wrk, 2 threads, 10 s request
# timeout, DURATION (default 20s) of the same 12-sample text push over 1,000 groups (gateway/bench/push.lua).
# Needs /usr/bin/wrk, /usr/bin/prometheus-pushgateway, and the gateway built (mvn -pl gateway -am install -DskipTests).
# Usage: gateway/bench/push-bench.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-20s}
CONNS=${CONNS:-32 512}
WRK=${WRK:-/usr/bin/wrk}
PGW=${PGW:-/usr/bin/prometheus-pushgateway}
OUT=target/bench
mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

stop() { kill "$1" 2>/dev/null || true; for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; kill -9 "$1" 2>/dev/null || true; }

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not open"; exit 1; }

run_wrk() { # name url
  "$WRK" -t2 -c128 -d15s --timeout 10s -s bench/push.lua "$2" > /dev/null      # warm-up
  for c in $CONNS; do
    echo "-- $1, $c connections"
    "$WRK" -t2 -c"$c" -d"$DURATION" --timeout 10s --latency -s bench/push.lua "$2" | tee "$OUT/$1-c$c.txt"
  done
}

if [ ! -f "$OUT/classpath.txt" ] || [ pom.xml -nt "$OUT/classpath.txt" ]; then
  (HERE=$PWD; cd .. && mvn -B -q -o -pl gateway dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$HERE/$OUT/classpath.txt")
fi
CP="target/classes:target/test-classes:$(cat "$OUT/classpath.txt")"

echo "== (a) Mayfly gateway (embedded broker, durable ack)"
coproc GW { exec java -Xmx1g -cp "$CP" dev.mayfly.gateway.GatewayBenchMain 19091 8 3 2> "$OUT/gateway.log"; }
PIDS+=("$GW_PID")
read -r -t 60 line <&"${GW[0]}"; [ "$line" = ready ] || { echo "gateway did not start: $line"; exit 1; }
run_wrk mayfly http://127.0.0.1:19091
exec {GW[1]}>&-   # EOF on stdin: the bench main reports the events topic and stops
read -r -t 30 line <&"${GW[0]}" && echo "$line" | tee "$OUT/mayfly-events.txt"
wait "$GW_PID" || true

echo "== (b) Pushgateway, default"
"$PGW" --web.listen-address=127.0.0.1:19092 > "$OUT/pgw.log" 2>&1 & PIDS+=($!)
wait_port 19092
run_wrk pushgateway-default http://127.0.0.1:19092
stop "${PIDS[-1]}"

echo "== (c) Pushgateway, --push.disable-consistency-check"
"$PGW" --web.listen-address=127.0.0.1:19093 --push.disable-consistency-check > "$OUT/pgw-nocheck.log" 2>&1 & PIDS+=($!)
wait_port 19093
run_wrk pushgateway-nocheck http://127.0.0.1:19093
stop "${PIDS[-1]}"

echo "== summary (requests/s)"
for f in mayfly pushgateway-default pushgateway-nocheck; do
  for c in $CONNS; do
    printf '%-22s %4s connections %10s   non-2xx: %s\n' "$f" "$c" "$(grep 'Requests/sec' "$OUT/$f-c$c.txt" | awk '{print $2}')" \
      "$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$OUT/$f-c$c.txt" | awk '{print $NF}' || echo 0)"
  done
done
