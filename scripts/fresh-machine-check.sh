#!/usr/bin/env bash
# Proves the README's two commands on a fresh Debian 12 (issue 13): builds a
# `debootstrap --variant=minbase bookworm` chroot, clones this checkout (its HEAD) into it and
# runs ./scripts/test.sh there, which installs every package it needs, builds and runs every
# test. Prints the elapsed time of each step. Run as root on a Debian machine:
#
#     ./scripts/fresh-machine-check.sh            # chroot in a new /var/tmp/snbridge-fresh.*
#     KEEP=1 ./scripts/fresh-machine-check.sh     # keep the chroot afterwards (to look inside)
#     MIRROR=http://deb.debian.org/debian ./scripts/fresh-machine-check.sh
#
# The mirror is the one this machine's apt uses unless MIRROR is set. /proc, /sys, /dev and
# /dev/pts are mounted for the chroot and unmounted on exit, whatever the outcome.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)
step() { echo "fresh-machine-check: [$(($(date +%s) - start)) s] $*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-machine-check: run as root (debootstrap and chroot need it)" >&2
  exit 2
fi
if ! command -v debootstrap >/dev/null; then
  step "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
fi

# The first Debian archive URI of this machine's apt sources (deb822 or one-line format).
mirror=${MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -hoE '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[^[:space:]]+' \
             /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
           awk '{print $NF}' | grep -v -- '-security' | head -n1 || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d /var/tmp/snbridge-fresh.XXXXXX)
# mktemp makes it 0700: as the chroot's /, that would keep every non-root user out of the
# whole tree (Mosquitto, once it has dropped to its user, could not read /etc/hosts.allow and
# refused every connection: "denied access by tcpd").
chmod 755 "$root"
cleanup() {
  local rc=$?
  for m in dev/pts dev sys proc; do
    if mountpoint -q "$root/$m"; then
      umount "$root/$m" || umount -l "$root/$m" || true
    fi
  done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "fresh-machine-check: chroot kept in $root"
  elif ! grep -q " $root/" /proc/mounts; then
    rm -rf --one-file-system "$root"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap "exit 130" INT TERM

step "debootstrap --variant=minbase bookworm $root $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
  tail -n 30 "$root.debootstrap.log" >&2
  exit 1
}
rm -f "$root.debootstrap.log"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# This machine's own network setup goes in with it, as resolv.conf does: a local CA (a
# TLS-inspecting proxy's, say) that apt and npm must trust to reach their registries.
extra_env=()
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  cp "$NODE_EXTRA_CA_CERTS" "$root/etc/host-extra-ca.crt"
  extra_env+=(NODE_EXTRA_CA_CERTS=/etc/host-extra-ca.crt)
fi

branch=$(git -C "$repo" rev-parse --abbrev-ref HEAD)
step "git clone $repo ($branch, $(git -C "$repo" rev-parse --short HEAD)) into the chroot"
git clone -q --no-hardlinks --branch "$branch" "$repo" "$root/root/snbridge"

step "./scripts/test.sh inside the chroot"
tests_start=$(date +%s)
status=0
chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 "${extra_env[@]}" \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  bash -c 'cd /root/snbridge && ./scripts/test.sh' || status=$?
step "./scripts/test.sh exited $status after $(($(date +%s) - tests_start)) s"
step "total $(($(date +%s) - start)) s"
exit "$status"
