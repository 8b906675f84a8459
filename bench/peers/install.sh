#!/usr/bin/env bash
# Installs the peers that bench/compare.sh measures debrief against into bench/.peers/
# (git-ignored): Bolt for Python in a virtualenv, Bolt for JS in node_modules. The apps'
# sources stay in bench/peers/; only installed packages go to bench/.peers/.
# Safe to run again: a peer is reinstalled only when its pinned versions changed.
#
#   bench/peers/install.sh
#
# Needs python3 (with venv) and Node 20 with npm, and reaches PyPI and the npm registry.
set -euo pipefail
cd "$(dirname "$0")/../.."
peers=bench/.peers
mkdir -p "$peers"

# The stamp holds a hash of the pin file, so editing a pin reinstalls that peer.
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$(sha256sum "$2" | cut -d' ' -f1)" ]; }
write_stamp() { sha256sum "$2" | cut -d' ' -f1 >"$1"; }

if ! stamp_ok "$peers/python.stamp" bench/peers/python/requirements.txt; then
  echo "installing Bolt for Python into $peers/python" >&2
  rm -rf "$peers/python"
  python3 -m venv "$peers/python"
  "$peers/python/bin/pip" install --quiet --disable-pip-version-check \
    -r bench/peers/python/requirements.txt
  write_stamp "$peers/python.stamp" bench/peers/python/requirements.txt
fi

if ! stamp_ok "$peers/js.stamp" bench/peers/js/package-lock.json; then
  echo "installing Bolt for JS into $peers/js" >&2
  rm -rf "$peers/js"
  mkdir -p "$peers/js"
  cp bench/peers/js/package.json bench/peers/js/package-lock.json "$peers/js/"
  # npm ci installs exactly what the lock file pins.
  (cd "$peers/js" && npm ci --silent --no-audit --no-fund)
  write_stamp "$peers/js.stamp" bench/peers/js/package-lock.json
fi
