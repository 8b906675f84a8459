#!/usr/bin/env bash
# Throughput and latency of signed `/debrief help` requests against a release build of
# `debrief serve` on the SQLite default, on loopback, plus the server's idle and peak RSS.
# The load generator is examples/load, the same one bench/compare.sh uses.
#
#   bench/help.sh [requests] [concurrency]        (defaults: 20000 64)
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-20000}
CONCURRENCY=${2:-64}
SECRET=8f742231b10e8888abcd99aa00bb85a5
PORT=${BENCH_PORT:-3917}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

# The same set of targets as bench/lib.sh builds, so neither script rebuilds the other's.
cargo build --release --quiet --bin debrief --example load --example ceiling
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

SLACK_BOT_TOKEN=xoxb-bench SLACK_SIGNING_SECRET=$SECRET \
SLACK_API_URL=http://127.0.0.1:9/api DATABASE_URL="sqlite://$work/bench.db" \
DEBRIEF_LISTEN=127.0.0.1:$PORT RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/debrief" serve &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
sleep 1
idle_kb=$(awk '/^VmRSS/ {print $2}' /proc/$server/status)

# One second of warm-up fills the connection pool, so the figures describe steady state.
"$CARGO_TARGET_DIR/release/examples/load" run --url "http://127.0.0.1:$PORT" \
  --secret "$SECRET" --mix help --check --requests "$REQUESTS" \
  --concurrency "$CONCURRENCY" --warmup 1 --label debrief-help

peak_kb=$(awk '/^VmHWM/ {print $2}' /proc/$server/status)
echo "idle_rss_mb   $(awk "BEGIN {printf \"%.1f\", $idle_kb/1024}")"
echo "peak_rss_mb   $(awk "BEGIN {printf \"%.1f\", $peak_kb/1024}")"
echo "machine       $(nproc) cores, $(uname -m)"
