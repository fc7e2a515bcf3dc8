#!/usr/bin/env bash
# CPU of the whole standalone process per push, and how fast pushes become visible, as the JVM warms up: one fresh
# `mayfly standalone` (java -Xmx1g -XX:+UseSerialGC, as ./mayfly), then wrk (2 threads, 256 connections) posts the
# 12-sample text push of bench/e2e/push-body.txt in five 15 s loads, one after the other: 1,000 groups (a cold
# start), one group (fleet), 1,000 groups, one group, 1,000 groups. Per load: acknowledged/s, end to end/s (until
# /metrics shows every acknowledged push summed), the drain after the load, and the process's CPU time (utime +
# stime, every thread: broker, engine, exporter, gateway) from the load's start until all was visible, per push.
# CPU per push is steadier than a rate on a shared 2-core machine, and the later loads show a warmed-up JVM.
# Usage: bench/cpu-per-push.sh [JAR (default launcher/target/mayfly.jar)] [standalone flags...]
# Environment: JAVA_OPTS (extra JVM flags), PORT_BASE (21190: HTTP +1, Kafka +2), SERIES_ONLY=1 (after the two warm
# 1,000-group loads, a load of bench/e2e/push-labelled.lua: the same 12,000 series pushed into ONE group, so the
# gateway writes concurrent pushes as one record instead of one each), THREADS=1 (also the CPU per push of each
# thread group: stream thread, HTTP event loops, broker, producers, GC, JIT...; names cut to 15 characters as the
# kernel keeps them, digits folded; threads that end during a load take their ticks with them). Needs wrk (Debian).
set -euo pipefail
export LC_ALL=C # sort and join agree on the order of thread names
cd "$(dirname "$0")/.."
JAR=${1:-launcher/target/mayfly.jar}; shift || true
PORT_BASE=${PORT_BASE:-21190}; HTTP=$((PORT_BASE + 1)); KAFKA=$((PORT_BASE + 2))
DATA=$(mktemp -d)
java -Xmx1g -XX:+UseSerialGC ${JAVA_OPTS:-} -jar "$JAR" standalone --data-dir "$DATA" --http-port "$HTTP" \
  --kafka-port "$KAFKA" --bind 127.0.0.1 "$@" > "$DATA.log" 2>&1 & P=$!
trap 'kill $P 2>/dev/null; wait $P 2>/dev/null || true; rm -rf "$DATA" "$DATA".*' EXIT
until curl -sf "127.0.0.1:$HTTP/-/ready" > /dev/null; do kill -0 $P || { cat "$DATA.log"; exit 1; }; sleep 0.3; done
export E2E_LUA_DIR=$PWD/bench/e2e
visible() { curl -gs "http://127.0.0.1:$HTTP/metrics?name[]=bench_requests_total" \
  | awk -v j="job=\"$1\"" 'index($0, j) { s += $NF } END { printf "%d", s / 1341 }'; }
cpu() { awk '{ print $14 + $15 }' /proc/$P/stat; }
threads() { # CPU ticks per thread group (digits in thread names folded)
  for t in /proc/$P/task/*; do
    s=$(cat "$t/stat" 2>/dev/null) || continue
    set -- ${s##*) }; echo "$(tr '0-9' '#' < "$t/comm")"$'\t'"$((${12} + ${13}))"
  done | awk -F'\t' '{ a[$1] += $2 } END { for (k in a) print k "\t" a[k] }' | sort
}
load() { # job groups seconds [wrk script]
  local c0 t0 t1 t2 acked
  [ -n "${THREADS:-}" ] && threads > "$DATA.threads0"
  c0=$(cpu); t0=$(date +%s.%N)
  wrk -t2 -c256 -d"$3"s -s "${4:-bench/e2e/push.lua}" "http://127.0.0.1:$HTTP" -- "$2" "$1" > "$DATA.wrk" 2>&1
  t1=$(date +%s.%N); acked=$(awk '/^acknowledged/ { print $2 }' "$DATA.wrk")
  while [ "$(visible "$1")" -lt "$acked" ]; do sleep 0.1; done
  t2=$(date +%s.%N)
  awk -v n="$1" -v a="$acked" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v c=$(($(cpu) - c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {
    printf "%-8s acknowledged/s %6.0f  end to end/s %6.0f  drain %5.1f s  CPU per push %6.1f us\n", n, a / (t1 - t0), a / (t2 - t0), t2 - t1, c / hz * 1e6 / a }'
  if [ -n "${THREADS:-}" ]; then
    threads | join -t$'\t' -a2 -e0 -o0,1.2,2.2 "$DATA.threads0" - | awk -F'\t' -v a="$acked" -v hz="$(getconf CLK_TCK)" '
      ($3 - $2) / hz * 1e6 / a >= 1 { printf "         %7.1f us per push  %s\n", ($3 - $2) / hz * 1e6 / a, $1 }' | sort -rn
  fi
}
labelled() { if [ -n "${SERIES_ONLY:-}" ]; then load "$1" 1000 15 bench/e2e/push-labelled.lua; fi; }
load cold 1000 15
load fleet 1 15
load groups 1000 15
labelled labelled
load fleet2 1 15
load groups2 1000 15
labelled labelled2
