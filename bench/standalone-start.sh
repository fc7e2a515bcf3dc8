#!/usr/bin/env bash
# Standalone start-to-ready time and resident memory. Usage: bench/standalone-start.sh [runs]
# Starts ./mayfly standalone on a fresh data dir, polls /-/ready, reports seconds to ready and RSS once ready,
# then starts it again on the same data (a restart) and reports the same.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
[ -f launcher/target/mayfly.jar ] || ./mayfly --help >/dev/null
http=19091; kafka=19092
measure() { # label datadir
  local start end pid rss
  start=$(date +%s.%N)
  java ${MAYFLY_JAVA_OPTS:--Xmx1g -XX:+UseSerialGC} -jar launcher/target/mayfly.jar standalone --data-dir "$2" \
      --http-port $http --kafka-port $kafka --bind 127.0.0.1 > "$2.log" 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$http/-/ready" >/dev/null 2>&1; do
    sleep 0.1
    kill -0 $pid 2>/dev/null || { echo "standalone exited:"; cat "$2.log"; exit 1; }
  done
  end=$(date +%s.%N)
  sleep 2
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  printf '%-8s ready in %5.1f s   RSS %4d MB\n' "$1" "$(echo "$end - $start" | bc)" $((rss / 1024))
  kill -TERM $pid; wait $pid || true
}
for i in $(seq 1 "$runs"); do
  d=$(mktemp -d)/data
  measure "fresh" "$d"
  measure "restart" "$d"
  rm -rf "$(dirname "$d")"
done
