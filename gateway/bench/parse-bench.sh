#!/usr/bin/env bash
# CPU per push of the gateway's text path without HTTP and Kafka (JMH; PushParseBenchmark in gateway/src/test):
# grouping key, media type, parse and batch building of the gateway/bench/push.lua body. Compiles the gateway's
# tests (offline), then runs JMH: one fork, 3 warm-up and 5 measured iterations of 2 s (the benchmark's annotations;
# -f/-wi/-i/-r override them).
# Usage: gateway/bench/parse-bench.sh [JMH options...]   e.g. gateway/bench/parse-bench.sh -prof gc   or   ... 'push$'
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=target/bench
mkdir -p "$OUT"
(HERE=$PWD; cd .. && mvn -B -q -o -pl gateway test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$HERE/$OUT/classpath.txt")
CP="target/test-classes:target/classes:$(cat "$OUT/classpath.txt")"
[ $# -gt 0 ] || set -- PushParseBenchmark
exec java -cp "$CP" org.openjdk.jmh.Main "$@"
