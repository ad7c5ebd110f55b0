#!/usr/bin/env bash
# Installs and purges build/snbridge_VERSION_amd64.deb (./scripts/package.sh amd64) on a
# clean Debian 12: a new `debootstrap --variant=minbase bookworm` chroot (docs/packaging.md).
# Checks what the package promises and prints each step with its time:
#   - apt installs it with its Depends from the mirror; the snbridge system user and group
#     exist, /var/lib/snbridge is theirs (0750), the conffile is registered;
#   - `systemd-analyze verify` of the installed unit is clean (systemd installed there);
#   - the packaged config passes --check-config; started as root it switches to snbridge
#     (/proc/PID/status: Uid, CapEff 0) and writes its state file in /var/lib/snbridge;
#   - `apt-get purge` removes /var/lib/snbridge and the files, keeps the account.
# Run as root: ./scripts/package-install-check.sh [DEB]   (KEEP=1 keeps the chroot)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^project(snbridge VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")
deb=${1:-$repo/build/snbridge_${version}_amd64.deb}
start=$(date +%s)
step() { echo "install-check: [$(($(date +%s) - start)) s] $*"; }
fail() { echo "install-check: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "install-check: run as root" >&2; exit 2; }
[ -f "$deb" ] || { echo "install-check: no $deb (run ./scripts/package.sh amd64)" >&2; exit 2; }
command -v debootstrap >/dev/null ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap

mirror=${MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -hoE '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[^[:space:]]+' \
             /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
           awk '{print $NF}' | grep -E 'debian/?$' | head -n1 || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d /var/tmp/snbridge-pkgcheck.XXXXXX)
chmod 755 "$root" # mktemp's 0700 would keep the snbridge user out of the whole tree
cleanup() {
  local rc=$?
  for m in dev/pts dev sys proc; do
    mountpoint -q "$root/$m" && { umount "$root/$m" || umount -l "$root/$m" || true; }
  done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "install-check: chroot kept in $root"
  elif ! grep -q " $root/" /proc/mounts; then
    rm -rf --one-file-system "$root"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap "exit 130" INT TERM
in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

step "debootstrap --variant=minbase bookworm $root $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 ||
  { tail -n 30 "$root.log" >&2; exit 1; }
rm -f "$root.log"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
name=$(basename "$deb")

step "apt-get install ./$name (and systemd, for systemd-analyze)"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends systemd >/dev/null
in_root apt-get install -y --no-install-recommends "/tmp/$name" | grep -E '^(Setting up|Unpacking) ' || true
in_root dpkg -s snbridge | grep -E '^(Status|Depends):'

step "the snbridge user, its directory, the conffile"
in_root getent passwd snbridge || fail "no snbridge user"
in_root getent group snbridge || fail "no snbridge group"
in_root stat -c '%A %U:%G %n' /var/lib/snbridge /etc/snbridge/snbridge.yaml \
  /lib/systemd/system/snbridge.service /usr/bin/snbridge /usr/bin/snbridge-pub
[ "$(in_root stat -c '%U:%G %a' /var/lib/snbridge)" = "snbridge:snbridge 750" ] ||
  fail "/var/lib/snbridge is not snbridge:snbridge 0750"
in_root dpkg-query -W -f='conffiles:${Conffiles}\n' snbridge
in_root dpkg-query -W -f='${Conffiles}\n' snbridge | grep -q /etc/snbridge/snbridge.yaml ||
  fail "the config is not a conffile"

step "systemd-analyze verify /lib/systemd/system/snbridge.service"
out=$(in_root systemd-analyze verify /lib/systemd/system/snbridge.service 2>&1) || true
echo "${out:-(no output: clean)}"
[ -z "$out" ] || fail "systemd-analyze verify is not clean"
in_root systemd-analyze security --offline=true --no-pager /lib/systemd/system/snbridge.service |
  tail -n 1

step "snbridge --check-config and a start as root with the packaged config (-p 0)"
in_root snbridge --check-config -c /etc/snbridge/snbridge.yaml
# chroot and env exec, so $! is snbridge itself (in_root, a function, would be a subshell).
chroot "$root" /usr/bin/env -i LANG=C.UTF-8 /usr/bin/snbridge -c /etc/snbridge/snbridge.yaml \
  -p 0 >"$root/tmp/run.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
  grep -q ' running' "$root/tmp/run.log" && break
  sleep 0.1
done
grep -q ' running' "$root/tmp/run.log" || { cat "$root/tmp/run.log"; fail "snbridge did not start"; }
grep -E '^(Uid|Gid|CapEff|CapPrm):' "/proc/$pid/status"
[ "$(awk '/^Uid:/{print $2}' "/proc/$pid/status")" = "$(in_root id -u snbridge)" ] ||
  fail "not running as snbridge"
[ "$(awk '/^CapEff:/{print $2}' "/proc/$pid/status")" = 0000000000000000 ] ||
  fail "capabilities left"
kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
cat "$root/tmp/run.log"
in_root ls -l /var/lib/snbridge

step "apt-get purge snbridge"
in_root apt-get purge -y snbridge | grep -E '^(Removing|Purging) ' || true
for gone in /var/lib/snbridge /etc/snbridge /usr/bin/snbridge /lib/systemd/system/snbridge.service; do
  [ ! -e "$root$gone" ] || fail "$gone is still there after purge"
  echo "gone: $gone"
done
echo "kept (Debian keeps system users): $(in_root getent passwd snbridge)"
step "passed"
