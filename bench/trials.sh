#!/usr/bin/env bash
# Kill -9 trials (examples/trials.rs): the release `debrief serve` fans a survey out to
# many people through the sandbox Slack, which enforces Slack's rate tiers, and is killed
# with SIGKILL in the middle; then every person's DMs are counted.
#
# Usage: bench/trials.sh [trials=20] [people=60] [kills=3]
# Runs five settings in turn: on each database a baseline without kills and one process
# restarted after each kill, then PostgreSQL with two replicas where one is killed, stays
# down, and the other takes its jobs over. Needs PostgreSQL at postgres://postgres@127.0.0.1:5432
# (each trial creates and drops its own database). Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-20}
people=${2:-60}
kills=${3:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
echo "building release binaries (debrief, examples/trials)" >&2
cargo build --release --quiet --bin debrief --example trials
out=bench/results/trials-$(date +%Y%m%dT%H%M%S)
mkdir -p "$out"
for setting in "sqlite 1 0" "sqlite 1 $kills" "postgres 1 0" "postgres 1 $kills" "postgres 2 1"; do
  read -r backend replicas n_kills <<<"$setting"
  echo "== $backend, $replicas replica(s): $trials trials, $people people, up to $n_kills kills each"
  "$CARGO_TARGET_DIR/release/examples/trials" "$CARGO_TARGET_DIR/release/debrief" \
    "$backend" "$trials" "$people" "$n_kills" "$replicas" | tee "$out/$backend-$replicas-$n_kills.txt"
done
echo "results in $out"
