#!/usr/bin/env bash
# Database outage trials (examples/outage.rs): the release `debrief serve` reaches
# PostgreSQL through a relay that is cut during a survey fan-out, alternately refusing
# connections (server stopped) and hanging them (network partition). While it is cut a
# participant types an observation every second and /healthz is probed; afterwards lost
# and duplicated invitations, kept-versus-claimed observations and reply times are counted.
#
# Usage: bench/outage.sh [trials=10] [people=40] [outage_seconds=15]
# Needs PostgreSQL at postgres://postgres@127.0.0.1:5432 (each trial creates and drops its
# own database; the server itself is never stopped). Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-10}
people=${2:-40}
outage=${3:-15}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
echo "building release binaries (debrief, examples/outage)" >&2
cargo build --release --quiet --bin debrief --example outage
out=bench/results/outage-$(date +%Y%m%dT%H%M%S)
mkdir -p "$out"
"$CARGO_TARGET_DIR/release/examples/outage" "$CARGO_TARGET_DIR/release/debrief" \
  "$trials" "$people" "$outage" both | tee "$out/outage.txt"
echo "results in $out"
