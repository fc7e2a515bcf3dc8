#!/usr/bin/env bash
# End to end, as users run it: ONE fresh `mayfly standalone` process (java -Xmx1g -XX:+UseSerialGC -jar
# launcher/target/mayfly.jar standalone, fresh data dir, loopback), loaded the way a serverless fleet loads it, and
# measured by what /metrics SHOWS, not by what the gateway acknowledged:
#   (a) fleet:     wrk, the 12-sample text push of gateway/bench into ONE group (Pushgateway API)
#   (b) groups:    the same push over 1,000 groups
#   (c) producer:  the producer library, PRODUCER_THREADS containers (threads), each invocation flushing a 10-point batch
#                  to Kafka; (c') producer-http: the same through the gateway (gateway.url: the library's HTTP transport);
#                  (c'') prod-shared: the same PRODUCER_THREADS over Kafka, PRODUCER_PER_CONTAINER (64) threads sharing
#                  one container's MayflyMetrics (a runtime serving invocations at once: their flushes share sends)
#   (d) otlp:      wrk, one ~12-point OTLP/HTTP protobuf request (delta temporality) posted again and again
# The figure: acknowledged pushes (flushes) / (time from the start of the load until GET /metrics shows every one of
# them summed), checked on counter VALUES: each push adds 1027+311+3 = 1341 to bench_requests_total of its job, each
# OTLP request 1 to e2e_otlp_pushes, each flush 1 to e2e_invocations_total. wrk's 2xx count (bench/e2e/status.lua) is
# the acknowledged count. Also printed: the acknowledged rate and the drain time after the load ended.
# Then the Pushgateway's fastest mode (prometheus-pushgateway --push.disable-consistency-check) on (a) and (b), same
# payload, same wrk settings; ratios. Then freshness under a steady open-loop load (E2eOpenLoad) at 50% and 90% of
# the end-to-end capacity measured in (a), with the lag every second and whether it grows.
#
# Usage: bench/e2e.sh [LOAD_SECONDS (default 20)] [OPEN_LOOP_SECONDS (default 120)]
#   quick run: bench/e2e.sh 10 30
# Environment: WARMUP (s of (b) before measuring, default 10; 0 measures a cold start), CONNS (wrk connections,
# default 256), WRK_THREADS (2), PRODUCER_THREADS (64), PRODUCER_PER_CONTAINER (64), OPEN_CONNS (256: enough keep-alive connections to offer 90% of a fast run's capacity), PORT_BASE (21090: HTTP +1, Kafka +2,
# Pushgateway +3; the broker's controller port is a free ephemeral one), E2E_JAR, E2E_JAVA_OPTS
# (-Xmx1g -XX:+UseSerialGC, as ./mayfly), SKIP_BUILD=1 (use the built jar and test classes as they are),
# DRAIN_TIMEOUT (s, default 600), SKIP_PUSHGATEWAY=1, SKIP_OPEN=1, E2E_ARGS (more standalone flags, for example
# "--set push.coalesce=false").
# Needs wrk and prometheus-pushgateway (Debian). Everything listens on 127.0.0.1; every process and the data dir are
# removed at the end. Output: stdout and target/e2e/<timestamp>/ (one file per step, summary.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
LOAD=${1:-20}
OPEN=${2:-120}
WARMUP=${WARMUP:-10}
CONNS=${CONNS:-256}
WRK_THREADS=${WRK_THREADS:-2}
PRODUCER_THREADS=${PRODUCER_THREADS:-64}
PRODUCER_PER_CONTAINER=${PRODUCER_PER_CONTAINER:-64}
OPEN_CONNS=${OPEN_CONNS:-256}
PORT_BASE=${PORT_BASE:-21090}
HTTP=$((PORT_BASE + 1)); KAFKA=$((PORT_BASE + 2)); PGW_PORT=$((PORT_BASE + 3))
JAR=${E2E_JAR:-launcher/target/mayfly.jar}
JAVA_OPTS=${E2E_JAVA_OPTS:--Xmx1g -XX:+UseSerialGC}
DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-600}
WRK=${WRK:-/usr/bin/wrk}
PGW=${PGW:-/usr/bin/prometheus-pushgateway}
PER_PUSH=1341   # bench_requests_total added by one push of bench/e2e/push-body.txt
export E2E_LUA_DIR=$PWD/bench/e2e
OUT=target/e2e/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
DATA=$(mktemp -d "$PWD/target/e2e/data.XXXXXX")
PIDS=()

stop() { kill "$1" 2>/dev/null || true; for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; kill -9 "$1" 2>/dev/null || true; }
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && stop "$p"; done; rm -rf "$DATA"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
wait_port() { for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not open"; exit 1; }
say() { echo "$@" | tee -a "$OUT/summary.txt"; }

if [ -z "${SKIP_BUILD:-}" ]; then
  [ -f "$JAR" ] || mvn -B -q -pl launcher -am -DskipTests package
  mvn -B -q -pl system-tests -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$PWD/target/e2e/system-cp.txt" > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
fi
CP="system-tests/target/test-classes:$(cat target/e2e/system-cp.txt)"

# the sum of every series NAME{...job="JOB"...} served on /metrics (0 when none or not ready)
metric_sum() {
  curl -gs --max-time 10 "http://127.0.0.1:$HTTP/metrics?name[]=$1" 2>/dev/null \
    | awk -v n="$1{" -v j="job=\"$2\"" 'index($0, n) == 1 && index($0, j) { s += $NF } END { printf "%.0f\n", s }' || echo 0
}

# wait until NAME of JOB sums to at least EXPECTED on /metrics; prints the time it was first seen (epoch s), or fails
wait_visible() { # name job expected
  local deadline=$(( $(date +%s) + DRAIN_TIMEOUT )) v
  while :; do
    v=$(metric_sum "$1" "$2")
    if awk "BEGIN { exit !($v >= $3) }"; then now; return 0; fi
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "NOT VISIBLE after ${DRAIN_TIMEOUT}s: $1{job=$2} is $v of $3" >&2; return 1; fi
    sleep 0.1
  done
}

# the value once it stopped changing (the same for 2 s)
settled_sum() { # name job
  local v w
  v=$(metric_sum "$1" "$2")
  while :; do sleep 2; w=$(metric_sum "$1" "$2"); [ "$w" = "$v" ] && { echo "$v"; return; }; v=$w; done
}

# one closed-loop measurement against Mayfly: LABEL NAME JOB PER_ACK IN_FLIGHT then the load command, which prints
# "acknowledged N" (and, for the producer tool, "cold-starts N", "start MS", "end MS", "failed N"). IN_FLIGHT: how many
# requests may have been sent but not answered when the load stopped (wrk's connections): the server counts those,
# so the settled total may exceed the acknowledged one by at most that many.
declare -A E2E ACK DRAIN
measure() {
  local label=$1 name=$2 job=$3 per=$4 inflight=$5; shift 5
  local before t0 t1 acked failed warm expected tv final extra
  before=$(metric_sum "$name" "$job")
  t0=$(now)
  "$@" > "$OUT/$label.txt" 2>&1 || { cat "$OUT/$label.txt"; echo "load $label failed"; exit 1; }
  t1=$(now)
  # the producer tool reports its own start and end (its JVM start and the containers' cold starts are not load)
  if grep -q '^start [0-9]' "$OUT/$label.txt"; then
    t0=$(calc "$(awk '/^start [0-9]/{print $2}' "$OUT/$label.txt") / 1000" 3)
    t1=$(calc "$(awk '/^end [0-9]/{print $2}' "$OUT/$label.txt") / 1000" 3)
  fi
  acked=$(awk '/^acknowledged [0-9]/{print $2}' "$OUT/$label.txt")
  failed=$(awk '/^failed [0-9]/{print $2}' "$OUT/$label.txt"); failed=${failed:-0}
  warm=$(awk '/^cold-starts [0-9]/{print $2}' "$OUT/$label.txt"); warm=${warm:-0}
  expected=$(calc "$before + ($acked + $failed + $warm) * $per" 0)
  tv=$(wait_visible "$name" "$job" "$expected") || exit 1
  final=$(settled_sum "$name" "$job")
  extra=$(calc "($final - $expected) / $per" 3)
  ACK[$label]=$(calc "$acked / ($t1 - $t0)" 0)
  E2E[$label]=$(calc "$acked / ($tv - $t0)" 0)
  DRAIN[$label]=$(calc "$tv - $t1" 1)
  say "$(printf '%-11s acknowledged %9d in %5.1f s = %7s/s; all visible on /metrics %6.1f s after the load ended: end to end %7s/s' \
    "$label" "$acked" "$(calc "$t1 - $t0")" "${ACK[$label]}" "${DRAIN[$label]}" "${E2E[$label]}")"
  if awk "BEGIN { e = $extra; exit !(e == int(e) && e >= 0 && e <= $inflight) }"; then
    say "            exact: settled total = every acknowledged one$( [ "$warm" = 0 ] || echo " + $warm cold-start")$( [ "$failed" = 0 ] || echo " + $failed failed-then-resent") + $(calc "$extra" 0) answered after the load stopped (at most $inflight in flight)"
  else
    say "            NOT EXACT: settled $name{job=$job} = $final, expected $expected + k*$per with 0 <= k <= $inflight (k = $extra)"
  fi
  grep -E '^refused|^socket errors|^failed|^ +Latency +[0-9]' "$OUT/$label.txt" | sed 's/^/            /' | tee -a "$OUT/summary.txt"
}

wrk_push() { # duration groups job url
  "$WRK" -t"$WRK_THREADS" -c"$CONNS" -d"$1"s --timeout 10s --latency -s bench/e2e/push.lua "$4" -- "$2" "$3"
}

say "== bench/e2e.sh $LOAD s loads, $OPEN s open-loop phases, warm-up $WARMUP s, wrk $WRK_THREADS threads $CONNS connections, $PRODUCER_THREADS producer threads (one container each; $PRODUCER_PER_CONTAINER per container in prod-shared)"
say "machine: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GB RAM, $(java -version 2>&1 | head -1)"
say "start $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "jar $JAR ($(date -u -r "$JAR" +%FT%TZ)), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs' || echo ' +uncommitted changes')"

declare -A PGWR
if [ -z "${SKIP_PUSHGATEWAY:-}" ]; then
  say "== Pushgateway $("$PGW" --version 2>&1 | head -1 | awk '{print $3}') --push.disable-consistency-check on 127.0.0.1:$PGW_PORT (same payload, same wrk)"
  "$PGW" --web.listen-address=127.0.0.1:$PGW_PORT --push.disable-consistency-check > "$OUT/pushgateway.log" 2>&1 & PIDS+=($!)
  wait_port "$PGW_PORT"
  wrk_push "$WARMUP" 1000 warmup "http://127.0.0.1:$PGW_PORT" > "$OUT/pgw-warmup.txt" 2>&1 || true
  for w in fleet:1 groups:1000; do
    wrk_push "$LOAD" "${w#*:}" "pgw-${w%%:*}" "http://127.0.0.1:$PGW_PORT" > "$OUT/pgw-${w%%:*}.txt" 2>&1
    PGWR[${w%%:*}]=$(calc "$(awk '/^acknowledged /{print $2}' "$OUT/pgw-${w%%:*}.txt") / $LOAD" 0)
    say "$(printf 'pushgateway %-6s %7s pushes/s acknowledged (its /metrics serves a push once answered)' "${w%%:*}" "${PGWR[${w%%:*}]}")"
  done
  stop "${PIDS[-1]}"
fi

say "== Mayfly standalone on 127.0.0.1:$HTTP (Kafka $KAFKA), $JAVA_OPTS, fresh data dir"
t_start=$(now)
# shellcheck disable=SC2086
java $JAVA_OPTS -jar "$JAR" standalone --data-dir "$DATA" --http-port "$HTTP" --kafka-port "$KAFKA" --bind 127.0.0.1 ${E2E_ARGS:-} \
  > "$OUT/standalone.log" 2>&1 & MAYFLY=$!; PIDS+=($MAYFLY)
until curl -fs "http://127.0.0.1:$HTTP/-/ready" > /dev/null 2>&1; do
  kill -0 "$MAYFLY" 2>/dev/null || { tail -20 "$OUT/standalone.log"; exit 1; }; sleep 0.2
done
t_ready=$(now)
# /-/ready has been seen to answer 200 while pushes still got 404 (no context yet): also wait for a push to succeed
until [ "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @bench/e2e/push-body.txt \
          "http://127.0.0.1:$HTTP/metrics/job/e2e-probe")" = 200 ]; do sleep 0.2; done
say "ready in $(calc "$t_ready - $t_start") s (/-/ready), first push accepted $(calc "$(now) - $t_ready") s later"
if [ "$WARMUP" -gt 0 ]; then
  measure warm-up bench_requests_total e2e-warmup "$PER_PUSH" "$CONNS" wrk_push "$WARMUP" 1000 e2e-warmup "http://127.0.0.1:$HTTP"
fi

say "== closed loop, $LOAD s each"
measure fleet bench_requests_total e2e-fleet "$PER_PUSH" "$CONNS" wrk_push "$LOAD" 1 e2e-fleet "http://127.0.0.1:$HTTP"
measure groups bench_requests_total e2e-groups "$PER_PUSH" "$CONNS" wrk_push "$LOAD" 1000 e2e-groups "http://127.0.0.1:$HTTP"
measure producer e2e_invocations_total e2e-producer 1 0 \
  java -Xmx512m -cp "$CP" dev.mayfly.system.bench.E2eProducerLoad "localhost:$KAFKA" "$PRODUCER_THREADS" "$LOAD" e2e-producer
measure prod-http e2e_invocations_total e2e-producer-http 1 0 \
  java -Xmx512m -cp "$CP" dev.mayfly.system.bench.E2eProducerLoad "http://127.0.0.1:$HTTP" "$PRODUCER_THREADS" "$LOAD" e2e-producer-http
measure prod-shared e2e_invocations_total e2e-producer-shared 1 0 \
  java -Xmx512m -cp "$CP" dev.mayfly.system.bench.E2eProducerLoad "localhost:$KAFKA" "$PRODUCER_THREADS" "$LOAD" e2e-producer-shared \
  "$PRODUCER_PER_CONTAINER"
java -cp "$CP" dev.mayfly.system.bench.E2eOtlpBody "$OUT/otlp-body.bin" e2e-otlp > "$OUT/otlp-body.txt"
measure otlp e2e_otlp_pushes_total e2e-otlp 1 "$CONNS" \
  "$WRK" -t"$WRK_THREADS" -c"$CONNS" -d"$LOAD"s --timeout 10s --latency -s bench/e2e/otlp.lua "http://127.0.0.1:$HTTP" -- "$PWD/$OUT/otlp-body.bin"

if [ -z "${SKIP_OPEN:-}" ]; then
  for pct in 50 90; do
    rate=$(calc "${E2E[fleet]} * $pct / 100" 0)
    say "== open loop at $pct% of the fleet's end-to-end capacity: $rate pushes/s for $OPEN s"
    java -cp "$CP" dev.mayfly.system.bench.E2eOpenLoad "http://127.0.0.1:$HTTP" "$rate" "$OPEN" "e2e-open$pct" \
      bench/e2e/push-body.txt "$OPEN_CONNS" 25 "$DRAIN_TIMEOUT" | tee "$OUT/open$pct.txt" || true
    grep -E '^offered|^drained|^freshness|^lag trend|^NOT' "$OUT/open$pct.txt" | sed 's/^/  /' >> "$OUT/summary.txt"
  done
fi

rss=$(awk '/VmRSS/{print $2}' "/proc/$MAYFLY/status" 2>/dev/null || echo 0)
say "== standalone at the end: RSS $((rss / 1024)) MB; GC: $(jstat -gcutil "$MAYFLY" 2>/dev/null | tail -1 | awk '{printf "young %s in %s s, full %s in %s s", $7, $8, $9, $10}')"
say "end $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "== summary (pushes or flushes per second)"
say "$(printf '%-11s %12s %12s %10s %14s %8s' workload acknowledged end-to-end drain pushgateway ratio)"
for w in fleet groups producer prod-http prod-shared otlp; do
  p=${PGWR[$w]:-}
  say "$(printf '%-11s %12s %12s %9ss %14s %8s' "$w" "${ACK[$w]}" "${E2E[$w]}" "${DRAIN[$w]}" "${p:--}" "$([ -n "$p" ] && echo "$(calc "${E2E[$w]} / $p" 2)x" || echo -)")"
done
say "(ratio = Mayfly end to end / Pushgateway acknowledged, same payload and wrk settings, same run)"
echo "results in $OUT"
