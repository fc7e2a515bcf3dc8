#!/usr/bin/env bash
# Where push-to-visible time goes, stage by stage, on one fresh `mayfly standalone` (java -Xmx1g -XX:+UseSerialGC, as
# ./mayfly): two 20 s wrk loads warm it up (one group, then 1,000 groups, drained), then E2eOpenLoad pushes the
# 12-sample text body into one group at RATE pushes/s for SECONDS over 256 connections (open loop, as bench/e2e.sh's
# freshness phases) while FreshnessStages, in its own JVM, follows the job's counter through the repartition topic
# (written before the ingest step's commit, readable after it) and the aggregates topic (published, committed) and
# joins it with each push's acknowledgement and with what /metrics showed. Prints each stage's time from the
# acknowledgement (p50/p90/p99/max), each step's share, and the commits' cadence.
# Usage: bench/freshness-stages.sh [RATE (7000)] [SECONDS (60)] [standalone flags, e.g. --set publish.interval=250ms]
# Environment: JAR (another build, e.g. an older commit's), SKIP_BUILD=1, PORT_BASE (21290: HTTP +1, Kafka +2), JAVA_OPTS (replaces -Xmx1g -XX:+UseSerialGC).
# Needs wrk (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-7000}; SECONDS_OPEN=${2:-60}; shift $(( $# < 2 ? $# : 2 )); FLAGS=("$@")
PORT_BASE=${PORT_BASE:-21290}; HTTP=$((PORT_BASE + 1)); KAFKA=$((PORT_BASE + 2))
JAR=${JAR:-launcher/target/mayfly.jar}
mkdir -p target/e2e
if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -B -q -pl launcher -am -DskipTests package
  mvn -B -q -pl system-tests -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$PWD/target/e2e/system-cp.txt" > /dev/null
fi
CP="system-tests/target/test-classes:streams-app/target/test-classes:$(cat target/e2e/system-cp.txt)"
DATA=$(mktemp -d)
java ${JAVA_OPTS:--Xmx1g -XX:+UseSerialGC} -jar "$JAR" standalone --data-dir "$DATA" --http-port "$HTTP" \
  --kafka-port "$KAFKA" --bind 127.0.0.1 "${FLAGS[@]}" > "$DATA.log" 2>&1 & P=$!
trap 'kill $P 2>/dev/null; wait $P 2>/dev/null || true; rm -rf "$DATA" "$DATA".*' EXIT
until curl -sf "127.0.0.1:$HTTP/-/ready" > /dev/null; do kill -0 $P || { cat "$DATA.log"; exit 1; }; sleep 0.3; done
export E2E_LUA_DIR=$PWD/bench/e2e
visible() { curl -gs "http://127.0.0.1:$HTTP/metrics?name[]=bench_requests_total" \
  | awk -v j="job=\"$1\"" 'index($0, j) { s += $NF } END { printf "%d", s / 1341 }'; }
for load in "1 warm-fleet" "1000 warm-groups"; do
  read -r groups job <<< "$load"
  acked=$(wrk -t2 -c256 -d20s -s bench/e2e/push.lua "http://127.0.0.1:$HTTP" -- "$groups" "$job" | awk '/^acknowledged/ { print $2 }')
  echo "warm-up $job: $acked pushes acknowledged"
  until [ "$(visible "$job")" -ge "$acked" ]; do sleep 1; done
done
echo "== open loop: $RATE pushes/s for $SECONDS_OPEN s into one group, standalone flags: ${FLAGS[*]:-none}"
java -cp "$CP" dev.mayfly.streams.internal.FreshnessStages "localhost:$KAFKA" stages "$((SECONDS_OPEN + 25))" "$DATA.times" \
  > "$DATA.stages" 2>&1 & S=$!
sleep 8 # the listeners are at the end of their topics before the first push
java -cp "$CP" dev.mayfly.system.bench.E2eOpenLoad "http://127.0.0.1:$HTTP" "$RATE" "$SECONDS_OPEN" stages \
  bench/e2e/push-body.txt 256 25 120 "$DATA.times" | grep -v '^ *[0-9]'
wait $S || { cat "$DATA.stages"; exit 1; }
grep -v '^\[\|SLF4J' "$DATA.stages"
echo "GC: $(jstat -gcutil $P | tail -1 | awk '{printf "young %s in %s s, full %s in %s s", $7, $8, $9, $10}')"
