#!/usr/bin/env bash
# Every chart of the quarterly learning review for a quarter with many incidents: the
# figures taken from the facts and the report, six charts drawn and PNG-encoded. Reported
# as the median with min and max, beside the floor (six blank images encoded).
# Target: under 200 ms for 10,000 incidents on a 2-core machine.
#
#   bench/charts.sh [incidents] [runs]       (defaults: 10000 20)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --example charts_bench
target/release/examples/charts_bench "${1:-10000}" "${2:-20}"
