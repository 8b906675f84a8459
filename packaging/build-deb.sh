#!/usr/bin/env bash
# Builds target/debian/debrief_<version>_<arch>.deb from a stripped release binary with
# dpkg-deb alone (no cargo-deb), so it runs wherever Debian's own tools do.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
arch=$(dpkg --print-architecture)
nice -n 19 cargo build --release --locked

root=target/debian/debrief_${version}_${arch}
rm -rf "$root"
install -D -m 0755 target/release/debrief "$root/usr/bin/debrief"
install -D -m 0644 packaging/debrief.service "$root/lib/systemd/system/debrief.service"
install -D -m 0640 packaging/debrief.env "$root/etc/debrief/debrief.env"
install -D -m 0644 LICENSE "$root/usr/share/doc/debrief/copyright"
install -d "$root/DEBIAN"
echo /etc/debrief/debrief.env > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/control" <<CONTROL
Package: debrief
Version: ${version}
Architecture: ${arch}
Maintainer: debrief maintainers <debrief@example.com>
Section: net
Priority: optional
Depends: libc6, ca-certificates, adduser
Description: Slack bot for incident reviews
 Pseudonymous surveys, round-robin check-ins, anonymous observations and
 synthesized agendas, inside Slack.
CONTROL
cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  if ! getent passwd debrief >/dev/null; then
    adduser --system --group --home /var/lib/debrief --no-create-home debrief
  fi
  chown root:debrief /etc/debrief/debrief.env
  chmod 0640 /etc/debrief/debrief.env
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
  fi
fi
POSTINST
chmod 0755 "$root/DEBIAN/postinst"
dpkg-deb --root-owner-group --build "$root" >/dev/null
ls -l "$root.deb"
