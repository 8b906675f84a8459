#!/usr/bin/env bash
# Kill -9 trials (examples/trials.rs, examples/checkin_kills.rs): the release `debrief serve` fans a survey out to
# many people through the sandbox Slack, which enforces Slack's rate tiers, and is killed
# with SIGKILL in the middle; then every person's DMs are counted.
#
# Usage: bench/trials.sh [trials=20] [people=60] [kills=3]
# Runs five settings in turn: on each database a baseline without kills (up to 10 trials)
# and `trials` trials of one process restarted after each kill, then PostgreSQL with two
# replicas where one is killed, stays down, and the other takes its jobs over (trials/2). Needs PostgreSQL at postgres://postgres@127.0.0.1:5432
# (each trial creates and drops its own database). Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-20}
people=${2:-60}
kills=${3:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
echo "building release binaries (debrief, examples/trials)" >&2
cargo build --release --quiet --bin debrief --example trials --example checkin_kills
out=bench/results/trials-$(date +%Y%m%dT%H%M%S)
mkdir -p "$out"
# Baselines need fewer trials than the kills they are compared with; a takeover trial
# waits out a lease, so it gets half as many.
baseline=$((trials < 10 ? trials : 10))
takeover=$((trials / 2 > 0 ? trials / 2 : 1))
for setting in "sqlite 1 0 $baseline" "sqlite 1 $kills $trials" "postgres 1 0 $baseline" \
  "postgres 1 $kills $trials" "postgres 2 1 $takeover"; do
  read -r backend replicas n_kills n_trials <<<"$setting"
  echo "== $backend, $replicas replica(s): $n_trials trials, $people people, up to $n_kills kills each"
  "$CARGO_TARGET_DIR/release/examples/trials" "$CARGO_TARGET_DIR/release/debrief" \
    "$backend" "$n_trials" "$people" "$n_kills" "$replicas" | tee "$out/$backend-$replicas-$n_kills.txt"
done
# Check-in rounds (examples/checkin_kills.rs): killed while people answer in the thread;
# Slack's redelivery of an answer the dead process never finished is played too.
for backend in sqlite postgres; do
  echo "== check-in on $backend: $trials trials, 8 people, up to $kills kills each"
  "$CARGO_TARGET_DIR/release/examples/checkin_kills" "$CARGO_TARGET_DIR/release/debrief" \
    "$backend" "$trials" 8 "$kills" | tee "$out/checkin-$backend-$kills.txt"
done
echo "results in $out"
