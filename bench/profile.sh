#!/usr/bin/env bash
# Where a command's time goes: a callgrind profile of `debrief serve` answering a fixed
# number of signed slash commands, counted in instructions (repeatable whatever else the
# machine is doing, unlike seconds).
#
#   bench/profile.sh [help|observe|status] [requests]        (defaults: help 5000)
#
# Builds a release binary with symbols into target/profiling (a target folder of its own,
# so the benchmarks' stripped build is untouched), starts the sandbox Slack and debrief on
# SQLite under valgrind, opens a review for `observe` and `status`, zeroes the counters,
# sends the requests 8 at a time, and dumps. Prints instructions per request and the
# functions that cost the most, inclusive and exclusive; the profile itself goes to
# bench/results/profile-<time>-sqlite/callgrind.out.* for callgrind_annotate or kcachegrind.
#
# Needs valgrind (callgrind_control, callgrind_annotate), cargo and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
mix=${1:-help}
requests=${2:-5000}
export CARGO_TARGET_DIR=$PWD/target/profiling
export CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=line-tables-only
source bench/lib.sh

bench_build
new_results profile sqlite
start_slack
new_database sqlite profile
out=$PWD/$RESULTS/callgrind.out
start_group "$RESULTS/logs/debrief.log" env SLACK_BOT_TOKEN=$BOT_TOKEN \
  SLACK_SIGNING_SECRET=$SECRET SLACK_API_URL="$API_URL" DATABASE_URL="$DATABASE_URL" \
  DEBRIEF_LISTEN="127.0.0.1:$BENCH_PORT" DEBRIEF_PSEUDONYM_KEY="$PSEUDONYM_KEY" \
  RUST_LOG=warn valgrind --tool=callgrind --callgrind-out-file="$out" \
  "$CARGO_TARGET_DIR/release/debrief" serve
TARGET=$STARTED
# valgrind starts slowly: up to 60 s.
for _ in $(seq 600); do
  curl -s -o /dev/null --max-time 1 "$TARGET_URL/healthz" && break
  sleep 0.1
done
[ "$mix" = help ] || open_review
server=$(pgrep -f "callgrind-out-file=$out" | tail -1)
callgrind_control -z "$server" >/dev/null
"$LOAD" run --url "$TARGET_URL" --mix "$mix" --concurrency 8 --requests "$requests" \
  --warmup 0 --timeout 60 --check >"$RESULTS/load.json"
callgrind_control -d "$server" >/dev/null
sleep 1
stop_group "$TARGET"
dump=$(ls -t "$out".* | head -1)
total=$(callgrind_annotate "$dump" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
{
  echo "profiled: $requests \`$mix\` requests; $((total / requests)) instructions per request"
  echo
  echo "inclusive, debrief's own functions:"
  callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$dump" 2>/dev/null |
    grep -E ' [^ ]*debrief::' | head -25 | cut -c1-200
  echo
  echo "exclusive:"
  callgrind_annotate --threshold=100 --auto=no "$dump" 2>/dev/null |
    grep -E '^ *[0-9,]+ \(' | grep -v 'PROGRAM TOTALS' | sed -n '1,40p' | cut -c1-200 |
    grep -v -E 'clone\.S|pthread_create|thread_start|call_once|tokio::runtime' | head -20
} | tee "$RESULTS/report.txt"
