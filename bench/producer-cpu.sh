#!/usr/bin/env bash
# Workload (c) of bench/e2e.sh alone, with where its CPU goes: one fresh `mayfly standalone` (java -Xmx1g
# -XX:+UseSerialGC, as ./mayfly), then dev.mayfly.system.bench.E2eProducerLoad (64 threads, each a warm container
# with its own MayflyMetrics and Kafka producer, each invocation recording 10 points and calling flush()) in RUNS
# loads of 15 s. Per load: flushes acknowledged per second; the CPU time (utime + stime, every thread) per flush of
# the standalone and of the load's own JVM, each from the load JVM's start to its exit (the containers' cold starts
# included); and, sampled over 6 s in the middle of the load, the share of a core taken by the standalone's broker
# request threads (Kafka's data-plane network and request-handler threads) and by its stream thread.
# TRANSPORT=gateway runs the same containers over the producer library's HTTP transport (gateway.url, the gateway's
# events API) instead of Kafka, and also samples the HTTP event loops. PER_CONTAINER=N puts N threads in each
# container (one MayflyMetrics serving N invocations at once, whose flushes share their sends; default 1).
# Usage: bench/producer-cpu.sh [JAR (default launcher/target/mayfly.jar)] [standalone flags...]
# Environment: RUNS (3), THREADS (64), PER_CONTAINER (1), TRANSPORT (kafka | gateway), JAVA_OPTS (extra JVM flags of the standalone),
# PORT_BASE (21390).
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${1:-launcher/target/mayfly.jar}; shift || true
RUNS=${RUNS:-3}; THREADS=${THREADS:-64}; PER_CONTAINER=${PER_CONTAINER:-1}; TRANSPORT=${TRANSPORT:-kafka}
PORT_BASE=${PORT_BASE:-21390}; HTTP=$((PORT_BASE + 1)); KAFKA=$((PORT_BASE + 2))
mkdir -p target/e2e
[ -f target/e2e/system-cp.txt ] || mvn -B -q -pl system-tests -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/target/e2e/system-cp.txt"
CP="system-tests/target/test-classes:$(cat target/e2e/system-cp.txt)"
DATA=$(mktemp -d)
java -Xmx1g -XX:+UseSerialGC ${JAVA_OPTS:-} -jar "$JAR" standalone --data-dir "$DATA" --http-port "$HTTP" \
  --kafka-port "$KAFKA" --bind 127.0.0.1 "$@" > "$DATA.log" 2>&1 & P=$!
trap 'kill $P 2>/dev/null; wait $P 2>/dev/null || true; rm -rf "$DATA" "$DATA.log" "$DATA".*' EXIT
until curl -sf "127.0.0.1:$HTTP/-/ready" > /dev/null; do kill -0 $P || { cat "$DATA.log"; exit 1; }; sleep 0.3; done
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# CPU ticks per thread of process $1, one line per thread: "tid ticks name"
threads() { for t in /proc/"$1"/task/*; do echo "${t##*/} $(awk '{ print $14 + $15 }' "$t/stat" 2>/dev/null || echo 0) $(tr ' ' '_' < "$t/comm" 2>/dev/null)"; done 2>/dev/null | sort; }
share() { # file-before file-after seconds name-prefix -> % of a core
  join "$1" "$2" | awk -v s="$3" -v p="$4" -v hz="$(getconf CLK_TCK)" 'index($3, p) == 1 { d += $4 - $2 } END { printf "%.0f%%", d / hz / s * 100 }'
}
for i in $(seq "$RUNS"); do
  c0=$(cpu $P)
  target="localhost:$KAFKA"; [ "$TRANSPORT" = gateway ] && target="http://127.0.0.1:$HTTP"
  java -Xmx512m -cp "$CP" dev.mayfly.system.bench.E2eProducerLoad "$target" "$THREADS" 15 "producer-cpu$i" "$PER_CONTAINER" > "$DATA.out" 2>&1 & L=$!
  sleep 7; threads $P > "$DATA.t0"; sleep 6; threads $P > "$DATA.t1"
  wait $L
  acked=$(awk '/^acknowledged /{ print $2 }' "$DATA.out")
  load=$(awk -v hz="$(getconf CLK_TCK)" '/^process-cpu-ms /{ print $2 * hz / 1000 }' "$DATA.out")
  awk -v a="$acked" -v s=$(($(cpu $P) - c0)) -v l="$load" -v hz="$(getconf CLK_TCK)" -v b="$(share "$DATA.t0" "$DATA.t1" 6 data-plane)" \
      -v st="$(share "$DATA.t0" "$DATA.t1" 6 mayfly-streams)" -v h="$(share "$DATA.t0" "$DATA.t1" 6 mayfly-http-io)" \
      -v j="$(share "$DATA.t0" "$DATA.t1" 6 C2_Compiler)" 'BEGIN {
    printf "load %d (%s): %6.0f flushes/s  standalone CPU per flush %4.0f us  load JVM CPU per flush %4.0f us  broker request threads %s, stream thread %s, HTTP event loops %s, C2 compiler %s of a core\n",
      '"$i"', "'"$TRANSPORT"'", a / 15, s / hz * 1e6 / a, l / hz * 1e6 / a, b, st, h, j }'
done
