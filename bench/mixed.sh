#!/usr/bin/env bash
# debrief under steady mixed traffic: an open-loop schedule of signed slash commands at a
# fixed rate, `help`, `status` and `observe` in turn, against one review.
# Target: p99 under 50 ms for every command on PostgreSQL at 50 requests/s.
#
#   bench/mixed.sh [postgres|sqlite] [rate] [seconds] [mix]
#                                  (defaults: postgres 50 60 help:1,status:1,observe:1)
#
# Latency runs from each request's scheduled send time, so a server that stalls is charged
# for the requests that queue behind it (no coordinated omission). 5 s of the same traffic
# come first and are not counted. The database is fresh (for postgres a new database on
# $BENCH_POSTGRES_URL, dropped at the end). Prints a table per command and the number of
# warnings in debrief's log (sqlx warns of slow statements there); results and logs go to
# bench/results/mixed-<time>-<backend>/.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-postgres}
rate=${2:-50}
seconds=${3:-60}
mix=${4:-help:1,status:1,observe:1}
case $backend in sqlite | postgres) ;; *)
  echo "backend must be sqlite or postgres, not $backend" >&2
  exit 2
  ;;
esac
source bench/lib.sh

bench_build
new_results mixed "$backend"
start_slack
machine_line | tee "$RESULTS/machine.txt" >&2
start_target debrief "$RESULTS/logs/debrief.log" "$backend" mixed
open_review
"$LOAD" run --url "$TARGET_URL" --rate "$rate" --mix "$mix" --duration "$seconds" \
  --warmup 5 --check --label debrief-mixed --tag "backend=$backend" \
  --watch-pgid "$TARGET" >"$RESULTS/results.jsonl"
stop_group "$TARGET"

{
  echo "Measured by bench/mixed.sh $backend $rate $seconds $mix."
  sed 's/^/    /' "$RESULTS/machine.txt"
  echo
  "$LOAD" report mixed "$RESULTS/results.jsonl"
  log_counts "$RESULTS/logs/debrief.log"
} | tee "$RESULTS/report.md"
