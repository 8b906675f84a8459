#!/usr/bin/env bash
# Agenda synthesis time for a large review: 1,000 survey answers and 500 anonymous
# observations by default, clustered, ordered and rendered as Block Kit and Markdown.
# Target: under 200 ms on a 2-core machine.
#
#   bench/agenda.sh [answers] [observations] [runs]       (defaults: 1000 500 30)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --example agenda_bench
target/release/examples/agenda_bench "${1:-1000}" "${2:-500}" "${3:-30}"
