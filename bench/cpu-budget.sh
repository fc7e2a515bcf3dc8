#!/usr/bin/env bash
# The CPU budget of a push on this machine: what the load generator, the Pushgateway and Mayfly each spend per push
# when they share the same cores, and so how much a Mayfly push may cost for 2x the Pushgateway's rate.
# The Pushgateway's fastest mode (--push.disable-consistency-check) then one fresh `mayfly standalone` (java -Xmx1g
# -XX:+UseSerialGC, as ./mayfly) take the 12-sample text push of bench/e2e/push-body.txt from wrk (2 threads, 256
# connections) in 15 s loads: the Pushgateway a 5 s warm-up, then fleet (one group) and groups (1,000 groups);
# Mayfly cold (1,000 groups), fleet, groups, fleet2, groups2, each until /metrics shows every acknowledged push.
# Per load: the server's rate (Mayfly: end to end), its CPU (utime + stime, every thread) per push, wrk's CPU per push
# (/usr/bin/time), and the cores both used. Then the budget: at twice the Pushgateway's rate of the same shape, wrk
# alone takes (its CPU per push x that rate) of the 2 cores; what is left, over that rate, is the most a Mayfly push
# may cost (the whole process: HTTP, broker, engine, exporter, JIT, GC).
# Usage: bench/cpu-budget.sh [JAR (default launcher/target/mayfly.jar)]
# Environment: JAVA_OPTS (more JVM flags for Mayfly), SKIP_PUSHGATEWAY=1, PORT_BASE (21290: HTTP +1, Kafka +2, Pushgateway +3), PGW (/usr/bin/prometheus-pushgateway).
# Needs wrk, prometheus-pushgateway and /usr/bin/time (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${1:-launcher/target/mayfly.jar}
PORT_BASE=${PORT_BASE:-21290}; HTTP=$((PORT_BASE + 1)); KAFKA=$((PORT_BASE + 2)); PGW_PORT=$((PORT_BASE + 3))
PGW=${PGW:-/usr/bin/prometheus-pushgateway}
HZ=$(getconf CLK_TCK); DATA=$(mktemp -d); PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$DATA" "$DATA".*' EXIT
export E2E_LUA_DIR=$PWD/bench/e2e
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
wait_url() { until curl -sf "$1" > /dev/null; do sleep 0.3; done; }
declare -A BUDGET
# load <server pid> <base url> <name> <groups> <seconds> <visible-check or empty>
load() {
  local c0 t0 t1 t2 acked wrk_cpu
  c0=$(cpu "$1"); t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$DATA.time" wrk -t2 -c256 -d"$5"s -s bench/e2e/push.lua "$2" -- "$4" "$3" \
    > "$DATA.wrk" 2>&1
  t1=$(date +%s.%N); acked=$(awk '/^acknowledged/ { print $2 }' "$DATA.wrk")
  if [ -n "$6" ]; then while [ "$($6 "$3")" -lt "$acked" ]; do sleep 0.1; done; fi
  t2=$(date +%s.%N); wrk_cpu=$(awk '{ print $1 + $2 }' "$DATA.time")
  awk -v n="$3" -v a="$acked" -v t0="$t0" -v t2="$t2" -v c=$(($(cpu "$1") - c0)) -v hz="$HZ" -v w="$wrk_cpu" 'BEGIN {
    s = c / hz * 1e6 / a; g = w * 1e6 / a
    printf "  %-8s %7.0f pushes/s  server %6.1f us  wrk %5.1f us  per push  cores used %.2f\n", n, a / (t2 - t0), s, g,
      (c / hz + w) / (t2 - t0) }'
  if [ -z "$6" ]; then
    BUDGET[$3]=$(awk -v a="$acked" -v t0="$t0" -v t2="$t2" -v w="$wrk_cpu" 'BEGIN {
      r = 2 * a / (t2 - t0); g = w / a; printf "%s at 2x the Pushgateway (%.0f pushes/s): wrk takes %.2f of 2 cores, a Mayfly push may cost at most %.1f us", "", r, g * r, (2 - g * r) / r * 1e6 }')
  fi
}
if [ -z "${SKIP_PUSHGATEWAY:-}" ]; then
  echo "== Pushgateway $("$PGW" --version 2>&1 | head -1 | awk '{ print $3 }') --push.disable-consistency-check"
  "$PGW" --web.listen-address=127.0.0.1:$PGW_PORT --push.disable-consistency-check > "$DATA.pgw.log" 2>&1 & G=$!
  PIDS+=($G); wait_url "127.0.0.1:$PGW_PORT/-/ready"
  load $G "http://127.0.0.1:$PGW_PORT" warmup 1000 5 ""
  load $G "http://127.0.0.1:$PGW_PORT" fleet 1 15 ""
  load $G "http://127.0.0.1:$PGW_PORT" groups 1000 15 ""
  kill $G; wait $G 2>/dev/null || true
fi
echo "== Mayfly standalone ($JAR${JAVA_OPTS:+, $JAVA_OPTS}), fresh, end to end"
java -Xmx1g -XX:+UseSerialGC ${JAVA_OPTS:-} -jar "$JAR" standalone --data-dir "$DATA" --http-port "$HTTP" --kafka-port "$KAFKA" \
  --bind 127.0.0.1 > "$DATA.log" 2>&1 & P=$!
PIDS+=($P); wait_url "127.0.0.1:$HTTP/-/ready"
visible() { curl -gs "http://127.0.0.1:$HTTP/metrics?name[]=bench_requests_total" \
  | awk -v j="job=\"$1\"" 'index($0, j) { s += $NF } END { printf "%d", s / 1341 }'; }
for w in cold:1000 fleet:1 groups:1000 fleet2:1 groups2:1000; do
  load $P "http://127.0.0.1:$HTTP" "${w%%:*}" "${w#*:}" 15 visible
done
if [ -z "${SKIP_PUSHGATEWAY:-}" ]; then
  echo "== Budget"
  for w in fleet groups; do echo "  $w${BUDGET[$w]}"; done
fi
