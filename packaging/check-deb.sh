#!/usr/bin/env bash
# Installs the package into a scratch root (no effect on this machine), verifies the
# systemd unit and runs the packaged binary. Usage: packaging/check-deb.sh target/debian/debrief_*.deb
set -euo pipefail
deb=${1:?give the .deb to check}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/var/lib/dpkg/updates" "$scratch/var/lib/dpkg/info"
touch "$scratch/var/lib/dpkg/status"
# --force-depends: the scratch root holds no other packages; --force-script-chrootless and
# --no-triggers keep maintainer scripts away from the real system.
dpkg --root="$scratch" --force-depends --force-not-root --force-script-chrootless \
  --no-triggers --unpack "$deb"
# The scratch root has no systemd of its own, so the unit is verified against this host's,
# with ExecStart pointing at the packaged binary (verify checks that it exists).
sed "s#ExecStart=/usr/bin/debrief#ExecStart=$scratch/usr/bin/debrief#" \
  "$scratch/lib/systemd/system/debrief.service" > "$scratch/debrief.service"
systemd-analyze verify "$scratch/debrief.service"
# `--unpack` leaves a conffile as .dpkg-new until the package is configured.
env_file=$scratch/etc/debrief/debrief.env
[ -e "$env_file" ] || env_file=$env_file.dpkg-new
stat -c '%a %n' "$env_file"
"$scratch/usr/bin/debrief" --version
