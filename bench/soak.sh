#!/usr/bin/env bash
# A soak: debrief under a steady open-loop rate of mixed signed slash commands (help,
# status, observe in turn) for a number of minutes, sampled once a minute: requests/s,
# p99, RSS and open files (/proc/<pid>/fd) of the server. Target over 20 minutes: RSS
# growth under 5%, open files flat, p99 flat.
#
#   bench/soak.sh <sqlite|postgres> <minutes> <rate>          e.g. bench/soak.sh sqlite 20 50
#
# SOAK_INTERVAL (seconds, default 60) changes the sampling period, for a short trial run.
# Prints one row per interval and the growth from the first interval to the last; the
# JSON lines and debrief's log go to bench/results/soak-<time>-<backend>/.
#
# Every request of 50 ms or more (SOAK_SLOW_MS) is also recorded on its own, and
# bench/probe.py watches the machine meanwhile (a 5 ms timer in its own process, disk
# stalls, stolen CPU); the report ends with each slow request and what overlapped it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 3 ]; then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
backend=$1
minutes=$2
rate=$3
interval=${SOAK_INTERVAL:-60}
case $backend in sqlite | postgres) ;; *)
  echo "backend must be sqlite or postgres, not $backend" >&2
  exit 2
  ;;
esac
source bench/lib.sh

bench_build
new_results soak "$backend"
start_slack
machine_line | tee "$RESULTS/machine.txt" >&2
start_target debrief "$RESULTS/logs/debrief.log" "$backend" soak
open_review
start_group "$RESULTS/logs/probe.log" python3 bench/probe.py watch "$RESULTS/probe.jsonl"
PROBE=$STARTED
echo "soaking for $minutes min at $rate requests/s, a line every $interval s" >&2
"$LOAD" run --url "$TARGET_URL" --rate "$rate" --mix help:1,status:1,observe:1 \
  --duration "$((minutes * 60))" --warmup 0 --report-every "$interval" --check \
  --label debrief-soak --tag "backend=$backend" --watch-pgid "$TARGET" \
  --slow-ms "${SOAK_SLOW_MS:-50}" >"$RESULTS/results.jsonl"
stop_group "$TARGET"
stop_group "$PROBE"
machine_line >>"$RESULTS/machine.txt"

{
  echo "Measured by bench/soak.sh $backend $minutes $rate (interval $interval s)."
  sed 's/^/    /' "$RESULTS/machine.txt"
  echo
  "$LOAD" report soak "$RESULTS/results.jsonl"
  log_counts "$RESULTS/logs/debrief.log"
  echo
  echo "Requests of ${SOAK_SLOW_MS:-50} ms or more, and what bench/probe.py saw meanwhile:"
  echo
  python3 bench/probe.py explain "$RESULTS/results.jsonl" "$RESULTS/probe.jsonl"
} | tee "$RESULTS/report.md"
