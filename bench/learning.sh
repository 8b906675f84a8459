#!/usr/bin/env bash
# The quarterly learning review over generated history: 10k, 100k and 1M incidents with
# five action items each (and their status history), on SQLite and on PostgreSQL. Each
# size is generated once per database, then `debrief learning-review --timings` runs
# RUNS times; load (the store's queries), compute (every figure) and render (Markdown)
# are reported separately as the median with min–max. Not a test: run it by hand.
#
#   bench/learning.sh [sizes] [runs] [backends]
#       defaults: "10000 100000 1000000" 3 "sqlite postgres"
#   PostgreSQL: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres);
#   a database debrief_bench_<size> is created there and dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-"10000 100000 1000000"}
runs=${2:-3}
backends=${3:-"sqlite postgres"}
admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --bin debrief
bin=target/release/debrief

# Five years of incidents ending with 2026-Q3, spread evenly with a jitter inside the day;
# 60 services, 40 failure modes (an incident recurs the one 40 ids before it), a vendor on
# one in twenty, deploy=yes on one in three. Items: five per incident, opened a day after
# it, 40% done, 10% in progress, 10% deprioritized (each with its status change), the rest open.
generate_sql() {
  local n=$1 bool_true=$2
  cat <<SQL
WITH RECURSIVE n(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < $n)
INSERT INTO incidents (team_id, channel_id, title, severity, services, failure_mode, vendor,
                       deploy_related, started_at, recurrence_of, created_by, created_at, updated_at)
SELECT 'TBENCH', 'import:b' || i, 'Incident ' || i, 'P' || (1 + i % 3),
       'svc-' || (i * 7 % 60) || CASE WHEN i % 4 = 0 THEN ',svc-' || (i * 13 % 60) ELSE '' END,
       'mode-' || (i * 11 % 40), CASE WHEN i % 20 = 0 THEN 'Stripe' END,
       CASE WHEN i % 3 = 0 THEN $bool_true END,
       1633046400 + i * (157766400 / $n) + (i * 7919 % 86400),
       CASE WHEN i > 40 THEN i - 40 END, 'bench',
       1633046400 + i * (157766400 / $n) + (i * 7919 % 86400),
       1633046400 + i * (157766400 / $n) + (i * 7919 % 86400)
  FROM n;
WITH RECURSIVE n(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < 5 * $n)
INSERT INTO action_items (team_id, incident_id, title, owner_id, kind, services, status,
                          created_by, created_at, updated_at)
SELECT 'TBENCH', 1 + (i - 1) / 5, 'Item ' || i, 'U' || (i % 200),
       CASE i % 5 WHEN 0 THEN 'fix' WHEN 1 THEN 'mitigation' WHEN 2 THEN 'detection'
                  WHEN 3 THEN 'process' ELSE 'tech-debt' END,
       '',
       CASE WHEN i % 10 < 4 THEN 'done' WHEN i % 10 = 4 THEN 'in_progress'
            WHEN i % 10 = 5 THEN 'deprioritized' ELSE 'open' END,
       'bench',
       1633046400 + ((i - 1) / 5 + 1) * (157766400 / $n) + 86400,
       1633046400 + ((i - 1) / 5 + 1) * (157766400 / $n) + 86400
         + CASE WHEN i % 10 < 6 THEN 86400 * (1 + i % 120) ELSE 0 END
  FROM n;
INSERT INTO action_item_history (item_id, at, actor, status, change)
SELECT id, created_at, 'bench', 'open', 'created' FROM action_items;
INSERT INTO action_item_history (item_id, at, actor, status, change)
SELECT id, updated_at, 'bench', status, 'status'
  FROM action_items WHERE status <> 'open';
SQL
}

median_range() { # prints "median (min–max)" of the numbers on stdin
  sort -g | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "%.0f ms (%.0f–%.0f)", m, v[1], v[NR] }'
}

echo "| incidents | items | backend | load | compute | render | total (median) |"
echo "|---|---|---|---|---|---|---|"
for n in $sizes; do
  for backend in $backends; do
    if [ "$backend" = sqlite ]; then
      url="sqlite://$work/bench-$n.db"
      "$bin" learning-review --quarter 2026-Q3 --team TBENCH --database-url "$url" >/dev/null
      generate_sql "$n" 1 | sqlite3 "$work/bench-$n.db"
      sqlite3 "$work/bench-$n.db" "ANALYZE;"
    else
      db="debrief_bench_$n"
      psql -q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
      url="${admin%/*}/$db"
      "$bin" learning-review --quarter 2026-Q3 --team TBENCH --database-url "$url" >/dev/null
      generate_sql "$n" TRUE | psql -q -v ON_ERROR_STOP=1 "$url"
      psql -q "$url" -c "VACUUM ANALYZE"
    fi
    : >"$work/times"
    for _ in $(seq "$runs"); do
      "$bin" learning-review --quarter 2026-Q3 --team TBENCH --database-url "$url" --timings \
        2>>"$work/times" >/dev/null
    done
    field() { grep -o "$1 [0-9.]* ms" "$work/times" | awk '{ print $2 }'; }
    total=$(awk '/timings/ { gsub(/[^0-9. ]/, " "); split($0, t, " +"); print t[2] + t[3] + t[4] }' "$work/times" | median_range)
    echo "| $n | $((5 * n)) | $backend | $(field load | median_range) | $(field compute | median_range) | $(field render | median_range) | $total |"
    if [ "$backend" = postgres ]; then
      psql -q "$admin" -c "DROP DATABASE IF EXISTS $db"
    else
      rm -f "$work/bench-$n.db"*
    fi
  done
done
