#!/usr/bin/env bash
# Freshness: flush() acknowledged -> value visible on /metrics, p50/p99, against ./mayfly standalone.
# Usage: bench/freshness.sh [probes] [extra standalone flags, e.g. --set publish.interval=0ms]
set -euo pipefail
cd "$(dirname "$0")/.."
probes=${1:-300}; shift || true
[ -f launcher/target/mayfly.jar ] || ./mayfly --help >/dev/null
mvn -B -q -pl system-tests -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/mayfly-system-cp.txt -Dmdep.includeScope=test
http=19191; kafka=19192; data=$(mktemp -d)
java -Xmx1g -XX:+UseSerialGC -jar launcher/target/mayfly.jar standalone --data-dir "$data" --http-port $http --kafka-port $kafka \
  --bind 127.0.0.1 "$@" > "$data/standalone.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
until curl -fs "http://127.0.0.1:$http/-/ready" >/dev/null 2>&1; do sleep 0.2; done
java -cp "system-tests/target/test-classes:$(cat /tmp/mayfly-system-cp.txt)" dev.mayfly.system.bench.FreshnessBenchmark \
  "localhost:$kafka" "http://127.0.0.1:$http/metrics" "$probes"
