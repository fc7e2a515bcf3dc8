#!/usr/bin/env bash
# Runs the whole performance suite in one go, one benchmark after the other (never two at once on 2 cores),
# and prints every figure docs/benchmarks.md reports. Needs wrk and prometheus-pushgateway (Debian).
# Usage: bench/run-all.sh [quick]   ('quick' shortens the runs)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${1:-}
mvn -B -q install -DskipTests
echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo; free -g | head -2; java -version 2>&1 | head -1; uptime

echo "== 1. gateway pushes/s vs Pushgateway 1.5.1 (12-sample pushes over 1,000 groups)"
gateway/bench/push-bench.sh "$([ -n "$quick" ] && echo 10s || echo 20s)"

echo "== 2 and 6. streams-app end-to-end points/s (producer -> Kafka -> topology -> aggregates), and how it grows"
mvn -B -q -pl streams-app test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/mayfly-streams-cp.txt -Dmdep.includeScope=test
streams() { (cd streams-app && java -Xmx1g -cp "target/classes:target/test-classes:$(cat /tmp/mayfly-streams-cp.txt)" \
  dev.mayfly.streams.bench.StreamsBenchmark "$@" 2>/dev/null | tail -4); }
#        batches points/batch series/batch partitions threads extra-labels
streams 12000   1000         50           4          1
streams 12000   1000         50           4          1        8   # 10 labels per series instead of 2
streams 12000   1000         50           4          2
streams 12000   1000         50           1          1
streams 12000   1000         50           8          1
streams 6000    1000         200          4          1
streams 2400    1000         1000         4          1

echo "== 3. freshness: flush() acknowledged -> visible on /metrics"
bench/freshness.sh "$([ -n "$quick" ] && echo 100 || echo 300)"

echo "== 4. exporter scrape time and heap at 100k and 1M series, vs Pushgateway 1.5.1"
mvn -B -q -pl exporter test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/mayfly-exporter-cp.txt -Dmdep.includeScope=test
(cd exporter && java -Xmx1g -cp "target/test-classes:target/classes:$(cat /tmp/mayfly-exporter-cp.txt)" \
  dev.mayfly.exporter.bench.ScrapeBenchmark 100000,1000000)

echo "== 5. standalone start-to-ready and resident memory"
bench/standalone-start.sh 3
