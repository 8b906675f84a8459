# shellcheck shell=bash
# Shared by bench/compare.sh, bench/mixed.sh, bench/soak.sh and bench/writer-modes.sh;
# sourced, not run.
# Starts and stops the servers under test, one at a time on one port, each in a process
# group of its own so that its RSS and open files can be read and it can be stopped
# whole (Bolt's servers run a process per core).

BENCH_PORT=${BENCH_PORT:-3917}
CONTROL_PORT=${BENCH_CONTROL_PORT:-3918}
POSTGRES_URL=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
# The sandbox's signing secret and bot token: every target verifies with this secret.
SECRET=8f742231b10e8888abcd99aa00bb85a5
BOT_TOKEN=xoxb-sandbox-0000-token
PSEUDONYM_KEY=$(printf 'ab%.0s' $(seq 32))
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
LOAD=$CARGO_TARGET_DIR/release/examples/load
TARGET_URL=http://127.0.0.1:$BENCH_PORT

bench_work=$(mktemp -d)
bench_groups=()
bench_databases=()

bench_cleanup() {
  local pid db
  for pid in "${bench_groups[@]}"; do stop_group "$pid"; done
  for db in "${bench_databases[@]}"; do
    psql "$POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$bench_work"
}
trap bench_cleanup EXIT

# Builds the release binaries once; cargo does nothing when they are up to date.
bench_build() {
  echo "building release binaries (debrief, examples load and ceiling)" >&2
  cargo build --release --quiet --bin debrief --example load --example ceiling
}

# A results folder for this run: bench/results/<kind>-<time>-<backend>/ (git-ignored).
new_results() {
  RESULTS=bench/results/$1-$(date +%Y%m%dT%H%M%S)-$2
  mkdir -p "$RESULTS/logs"
  echo "results in $RESULTS" >&2
}

# Describes the machine at this moment: the figures mean little on a busy machine.
machine_line() {
  echo "machine: $(nproc) cores, $(uname -m); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
}

# start_group LOG CMD…: runs CMD in a new process group; its id (= the leader's pid) is
# left in STARTED. Not called in $(…), which would make it a grandchild.
start_group() {
  local log=$1
  shift
  setsid "$@" >"$log" 2>&1 &
  STARTED=$!
  bench_groups+=("$STARTED")
}

# Whether PID runs (a zombie, exited but not yet reaped, does not).
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# stop_group PID: SIGTERM to the group, SIGKILL to whatever is left after 10 s or once
# the leader is gone, then reaps the leader.
stop_group() {
  local pid=$1 i
  kill -TERM -- "-$pid" 2>/dev/null || true
  for i in $(seq 100); do
    running "$pid" || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=()
  for i in "${bench_groups[@]}"; do [ "$i" = "$pid" ] || kept+=("$i"); done
  bench_groups=("${kept[@]}")
}

# wait_http URL LOG: until URL answers anything at all (30 s), or fails showing the log.
wait_http() {
  local i
  for i in $(seq 300); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  echo "nothing answered at $1 within 30 s; its log:" >&2
  tail -20 "$2" >&2
  return 1
}

# measure_closed LABEL ROUND MIX [--check]: one closed-loop run against the server in
# TARGET, at the caller's $concurrency for $seconds after $warmup, tagged with the round
# and $backend; appends its JSON line to $RESULTS/results.jsonl.
measure_closed() {
  local label=$1 round=$2 mix=$3
  shift 3
  "$LOAD" run --url "$TARGET_URL" --mix "$mix" --concurrency "$concurrency" \
    --duration "$seconds" --warmup "$warmup" --label "$label" \
    --tag "round=$round" --tag "backend=$backend" --watch-pgid "$TARGET" "$@" \
    >>"$RESULTS/results.jsonl"
}

# The sandbox Slack, for the whole run: sets API_URL.
start_slack() {
  local log=$RESULTS/logs/slack.log i
  start_group "$log" "$LOAD" slack --control "127.0.0.1:$CONTROL_PORT"
  for i in $(seq 300); do
    API_URL=$(sed -n 's/.*"api_url":"\([^"]*\)".*/\1/p' "$log")
    [ -n "$API_URL" ] && return 0
    sleep 0.1
  done
  echo "the sandbox Slack did not start; its log:" >&2
  cat "$log" >&2
  return 1
}

# new_database BACKEND NAME: a fresh database, in DATABASE_URL.
new_database() {
  if [ "$1" = postgres ]; then
    local db=debrief_bench_$$_$2
    psql "$POSTGRES_URL" -qc "CREATE DATABASE $db" >/dev/null
    bench_databases+=("$db")
    DATABASE_URL=${POSTGRES_URL%/*}/$db
  else
    DATABASE_URL=sqlite://$bench_work/$2.db
  fi
}

# start_target NAME LOG [BACKEND DBNAME]: starts one server on BENCH_PORT, waits until
# it answers; its process group id is left in TARGET.
start_target() {
  local name=$1 log=$2
  case $name in
    ceiling)
      start_group "$log" "$CARGO_TARGET_DIR/release/examples/ceiling" "127.0.0.1:$BENCH_PORT"
      ;;
    bolt-python)
      # uvicorn with one worker process per core, Bolt's built-in ASGI adapter.
      # Info level logs no request (no access log), only each worker's start-up.
      start_group "$log" env SLACK_SIGNING_SECRET=$SECRET SLACK_BOT_TOKEN=$BOT_TOKEN \
        SLACK_API_URL="$API_URL" \
        bench/.peers/python/bin/uvicorn --app-dir bench/peers/python app:api \
        --host 127.0.0.1 --port "$BENCH_PORT" --workers "$(nproc)" \
        --loop uvloop --http httptools --no-access-log --log-level info
      ;;
    bolt-js)
      # node:cluster with one worker per core (in app.js), Bolt's HTTPReceiver.
      start_group "$log" env SLACK_SIGNING_SECRET=$SECRET SLACK_BOT_TOKEN=$BOT_TOKEN \
        SLACK_API_URL="$API_URL" PORT="$BENCH_PORT" NODE_ENV=production \
        NODE_PATH=bench/.peers/js/node_modules node bench/peers/js/app.js
      ;;
    debrief)
      new_database "$3" "$4"
      start_group "$log" env SLACK_BOT_TOKEN=$BOT_TOKEN SLACK_SIGNING_SECRET=$SECRET \
        SLACK_API_URL="$API_URL" DATABASE_URL="$DATABASE_URL" \
        DEBRIEF_LISTEN="127.0.0.1:$BENCH_PORT" DEBRIEF_PSEUDONYM_KEY="$PSEUDONYM_KEY" \
        RUST_LOG="${RUST_LOG:-warn}" "$CARGO_TARGET_DIR/release/debrief" serve
      ;;
    *)
      echo "unknown target $name" >&2
      return 1
      ;;
  esac
  # shellcheck disable=SC2034  # read by the scripts that source this file
  TARGET=$STARTED
  case $name in
    debrief) wait_http "$TARGET_URL/healthz" "$log" ;;
    # The first worker answering is not enough: all of them must be serving.
    bolt-python) wait_log "$log" 'Application startup complete' "$(nproc)" ;;
    bolt-js) wait_log "$log" '^ready' 1 ;;
    *) wait_http "$TARGET_URL/" "$log" ;;
  esac
}

# wait_log LOG PATTERN COUNT: until PATTERN is on COUNT lines of LOG (30 s).
wait_log() {
  local i
  for i in $(seq 300); do
    [ "$(grep -c -- "$2" "$1" || true)" -ge "$3" ] && return 0
    sleep 0.1
  done
  echo "the server did not get ready within 30 s; its log:" >&2
  tail -20 "$1" >&2
  return 1
}

# log_counts LOG: how many warnings and errors debrief logged (sqlx warns of every
# statement slower than 1 s). The log is coloured; the colour codes are dropped first.
log_counts() {
  local plain
  plain=$(sed 's/\x1b\[[0-9;]*m//g' "$1")
  echo "debrief's log: $(grep -c ' WARN ' <<<"$plain" || true) warnings" \
    "($(grep -c 'slow statement' <<<"$plain" || true) slow statements)," \
    "$(grep -c ' ERROR ' <<<"$plain" || true) errors"
}

# Opens a review in the sandbox's incident channel through signed commands, so that
# `observe` and `status` take their real path.
open_review() {
  local answer code
  answer=$(curl -s -X POST --max-time 60 -w '\n%{http_code}' \
    "http://127.0.0.1:$CONTROL_PORT/setup?bot=$TARGET_URL") || true
  code=${answer##*$'\n'}
  answer=${answer%$'\n'*}
  if [ "$code" != 200 ]; then
    echo "opening a review in debrief failed ($code): $answer" >&2
    return 1
  fi
  echo "review open: ${answer%%$'\n'*}" >&2
}
