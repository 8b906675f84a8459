#!/usr/bin/env bash
# Survey DM fan-out against the sandbox Slack enforcing Slack's rate tiers
# (conversations.open: tier 3, 50 per minute; users.info: tier 4, 100 per minute;
# chat.postMessage: 1 per second per channel), with the real job runner.
#
#   bench/fanout.sh [participants] [time_scale] [sqlite|postgres]    (defaults: 500 20 sqlite)
# time_scale 20 makes one Slack minute last 3 s; the report converts back.
# postgres uses a fresh database on ${PGHOST:-127.0.0.1}, dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
participants=${1:-500}
scale=${2:-20}
backend=${3:-sqlite}
url=""
if [ "$backend" = postgres ]; then
  name="debrief_bench_$$"
  psql -h "${PGHOST:-127.0.0.1}" -U postgres -qc "CREATE DATABASE $name"
  trap 'psql -h "${PGHOST:-127.0.0.1}" -U postgres -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)"' EXIT
  url="postgres://postgres@${PGHOST:-127.0.0.1}:5432/$name"
fi
echo "backend                 $backend"
RUST_LOG=${RUST_LOG:-error} cargo run --release --quiet --example fanout -- "$participants" "$scale" $url
