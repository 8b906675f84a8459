#!/usr/bin/env bash
# How much of `observe`'s cost is the storage, and how fast it could be with less of it.
#
#   bench/writer-modes.sh [rounds] [seconds] [concurrency]      (defaults: 3 10 64)
#
# An experiment, not a setting: debrief has no switch that skips or weakens a write, and
# must not have one. This script applies bench/experiments/writer-modes.patch to the
# working tree, which makes the observation writer read EXPERIMENT_WRITER:
#   full    as shipped: synchronous=FULL, each commit synced before anyone is told
#   normal  synchronous=NORMAL: in WAL mode, a power cut may lose the last commits
#   nosync  synchronous=OFF: nothing synced at all
#   none    nothing written: the writer answers "stored" for every observation
# It builds that binary, then runs R rounds of Bolt for Python (the peer the issue's ratio
# is against), `/debrief help` and `observe` in each mode, alternating, with the same load
# generator and settings as bench/compare.sh on SQLite. On exit, even a failed one, the
# patch is reverted; the next bench/compare.sh rebuilds the shipped binary.
#
# Refuses to run when src/store/batch.rs has uncommitted changes (they would be lost).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
seconds=${2:-10}
concurrency=${3:-64}
warmup=${WARMUP:-3}
backend=sqlite
patch=bench/experiments/writer-modes.patch

if ! git diff --quiet -- src/store/batch.rs; then
  echo "src/store/batch.rs has uncommitted changes; commit or stash them first" >&2
  exit 2
fi
source bench/lib.sh
git apply "$patch"
# lib.sh's own EXIT trap stops the servers; this one runs it and then reverts the patch.
trap 'bench_cleanup; git checkout -- src/store/batch.rs' EXIT

bench_build
bench/peers/install.sh
new_results writer-modes "$backend"
start_slack
machine_line | tee "$RESULTS/machine.txt" >&2

for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  start_target bolt-python "$RESULTS/logs/bolt-python-$round.log"
  measure_closed bolt-python "$round" help
  stop_group "$TARGET"
  start_target debrief "$RESULTS/logs/debrief-help-$round.log" "$backend" "help_$round"
  measure_closed debrief-help "$round" help --check
  stop_group "$TARGET"
  for mode in full normal nosync none; do
    export EXPERIMENT_WRITER=$mode
    log=$RESULTS/logs/observe-$mode-$round.log
    start_target debrief "$log" "$backend" "observe_${mode}_$round"
    open_review
    measure_closed "observe-$mode" "$round" observe --check
    stop_group "$TARGET"
    # The patched writer says which mode it ran in; a binary without the patch says nothing.
    grep -q "EXPERIMENT_WRITER=$mode" "$log" || {
      echo "the server did not run in mode $mode; see $log" >&2
      exit 1
    }
    unset EXPERIMENT_WRITER
  done
done

machine_line >>"$RESULTS/machine.txt"
python3 - "$RESULTS/results.jsonl" <<'EOF' | tee "$RESULTS/report.md"
# Per round, each target's req/s and its ratio to Bolt for Python in the same round.
import json, statistics, sys
rounds = {}
for line in open(sys.argv[1]):
    row = json.loads(line)
    rounds.setdefault(row["tags"]["round"], {})[row["label"]] = row
labels = ["bolt-python", "debrief-help", "observe-full", "observe-normal", "observe-nosync", "observe-none"]
print("| target | req/s, median (min–max) | p99 ms, median | ÷ Bolt for Python, median (min–max) |")
print("|---|---|---|---|")
for label in labels:
    rps = [r[label]["rps"] for r in rounds.values()]
    p99 = [r[label]["p99_ms"] for r in rounds.values()]
    ratio = [r[label]["rps"] / r["bolt-python"]["rps"] for r in rounds.values()]
    print(f"| {label} | {statistics.median(rps):,.0f} ({min(rps):,.0f}–{max(rps):,.0f}) "
          f"| {statistics.median(p99):.1f} "
          f"| {statistics.median(ratio):.2f}× ({min(ratio):.2f}×–{max(ratio):.2f}×) |")
EOF
