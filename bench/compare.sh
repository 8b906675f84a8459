#!/usr/bin/env bash
# debrief side by side with its peers, in one run, with one load generator.
#
#   bench/compare.sh [sqlite|postgres] [rounds] [seconds] [concurrency]
#                                                    (defaults: sqlite 3 10 64)
#
# Builds the release binaries once, installs the peers into bench/.peers/ if missing
# (bench/peers/install.sh), then runs R rounds (at least 3) of five targets in turn, each
# alone on the machine, on 127.0.0.1:$BENCH_PORT (3917):
#   ceiling          bare axum answering with a fixed body, no verification (examples/ceiling.rs)
#   bolt-python      Bolt for Python, process_before_response, uvicorn, one worker per core
#   bolt-js          Bolt for JS, processBeforeResponse, HTTPReceiver, one worker per core
#   debrief-help     `/debrief help` on `debrief serve`
#   debrief-observe  `/debrief observe <text>`, one stored observation per request
# Each target gets WARMUP seconds (default 3) of the same load, then `seconds` measured at
# `concurrency` signed requests in flight (`load run`). debrief gets a fresh database for
# each of its runs: a SQLite file, or with `postgres` a new database on
# $BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres), dropped at
# the end. For `observe` a review is first opened through signed commands.
#
# Prints a Markdown table of medians with (min–max) over the rounds, the peak RSS of each
# server (VmHWM summed over its processes), and the issue's ratios: help ÷ ceiling,
# observe ÷ Bolt for Python, help's p99. Raw JSON lines, the table and every server's log
# go to bench/results/compare-<time>-<backend>/.
#
# Needs: cargo, python3 with venv, Node 20 with npm, curl; psql for postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
rounds=${2:-3}
seconds=${3:-10}
concurrency=${4:-64}
warmup=${WARMUP:-3}
case $backend in sqlite | postgres) ;; *)
  echo "backend must be sqlite or postgres, not $backend" >&2
  exit 2
  ;;
esac
if [ "$rounds" -lt 3 ]; then
  echo "at least 3 rounds: a median of fewer says little about the spread" >&2
  exit 2
fi
source bench/lib.sh

bench_build
bench/peers/install.sh
new_results compare "$backend"
start_slack
machine_line | tee "$RESULTS/machine.txt" >&2

for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  for target in ceiling bolt-python bolt-js; do
    start_target "$target" "$RESULTS/logs/$target-$round.log"
    measure_closed "$target" "$round" help
    stop_group "$TARGET"
  done
  # --check: a 200 without debrief's own reply (e.g. "open a review first") is an error.
  start_target debrief "$RESULTS/logs/debrief-help-$round.log" "$backend" "help_$round"
  measure_closed debrief-help "$round" help --check
  stop_group "$TARGET"
  start_target debrief "$RESULTS/logs/debrief-observe-$round.log" "$backend" "observe_$round"
  open_review
  measure_closed debrief-observe "$round" observe --check
  stop_group "$TARGET"
done

machine_line >>"$RESULTS/machine.txt"
{
  echo "Measured by bench/compare.sh $backend $rounds $seconds $concurrency."
  sed 's/^/    /' "$RESULTS/machine.txt"
  echo
  "$LOAD" report compare "$RESULTS/results.jsonl"
} | tee "$RESULTS/report.md"
