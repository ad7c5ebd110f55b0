#!/usr/bin/env bash
# Builds the Debian package build/snbridge_VERSION_ARCH.deb (docs/packaging.md):
#
#     ./scripts/package.sh amd64     # native build on a Debian 12 amd64
#     ./scripts/package.sh arm64     # cross-built with g++-aarch64-linux-gnu and a sysroot
#
# Run as root on Debian 12 (it installs the build tools it lacks with apt-get). The arm64
# libraries are never installed on the host: their .debs (and their dependencies') are
# downloaded with a private apt state under build/sysroot-arm64.apt and unpacked with
# `dpkg -x` into build/sysroot-arm64, which cmake/aarch64-toolchain.cmake points at.
#
# Why dpkg-deb and not CPack or dpkg-buildpackage: the package has maintainer scripts, a
# conffile and a systemd unit, all plain files in packaging/; dpkg-buildpackage -a arm64
# would need the arm64 -dev packages installed as build dependencies (which the host must
# not get), and CPack's DEB generator computes Depends with dpkg-shlibdeps, which knows only
# the libraries dpkg has installed. Here the same staging tree and the same Depends logic
# serve both architectures.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-}
case "$arch" in
  amd64) triple=x86_64-linux-gnu ;;
  arm64) triple=aarch64-linux-gnu ;;
  *) echo "usage: $0 amd64|arm64" >&2; exit 2 ;;
esac
start=$(date +%s)
step() { echo "package: [$(($(date +%s) - start)) s] $*"; }
export DEBIAN_FRONTEND=noninteractive

host_arch=$(dpkg --print-architecture)
if [ "$host_arch" != amd64 ] && [ "$arch" != "$host_arch" ]; then
  echo "package: cross-building is set up from amd64 only (this is $host_arch)" >&2
  exit 2
fi
cross=0
[ "$arch" != "$host_arch" ] && cross=1

tools=(dpkg-dev)
[ $cross = 1 ] && tools+=(g++-aarch64-linux-gnu qemu-user)
"$repo/scripts/install-deps.sh" "${tools[@]}"

version=$(sed -n 's/^project(snbridge VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")
build="$repo/build"
bin="$build/pkg-$arch"
stage="$build/pkg-$arch.stage"
deb="$build/snbridge_${version}_${arch}.deb"
sysroot="$build/sysroot-$arch"
mkdir -p "$build"

# --- the arm64 sysroot (scripts/arm64-sysroot.sh) ----------------------------------------
if [ $cross = 1 ]; then
  "$repo/scripts/arm64-sysroot.sh" "$sysroot"
fi

# --- build and stage ------------------------------------------------------------------
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DSNB_WERROR=ON -DSNB_TESTS=OFF)
if [ $cross = 1 ]; then
  cmake_args+=(-DCMAKE_TOOLCHAIN_FILE="$repo/cmake/aarch64-toolchain.cmake" -DSNB_SYSROOT="$sysroot")
fi
step "cmake configure and build ($arch) in $bin"
cmake -S "$repo" -B "$bin" "${cmake_args[@]}" >/dev/null
cmake --build "$bin" -j2 --target snbridge snbridge-pub snbridge-sub snbridge-bench

rm -rf "$stage"
mkdir -p "$stage/DEBIAN"
DESTDIR="$stage" cmake --install "$bin" --prefix /usr --strip >/dev/null
if [ $cross = 1 ]; then
  # cmake --strip ran the host's strip on arm64 files: do it again with the cross one.
  "$triple-strip" --strip-unneeded "$stage"/usr/bin/*
fi
install -D -m 0644 "$repo/packaging/snbridge.yaml" "$stage/etc/snbridge/snbridge.yaml"
install -D -m 0644 "$repo/packaging/snbridge.service" "$stage/lib/systemd/system/snbridge.service"
install -d -m 0750 "$stage/var/lib/snbridge"
doc="$stage/usr/share/doc/snbridge"
install -d "$doc"
install -m 0644 "$repo/README.md" "$doc/README.md"
install -m 0644 "$repo/tools/README.md" "$doc/tools.md"
install -m 0644 "$repo"/docs/*.md "$doc/"
# `snbridge --help` as the installed binary prints it (under qemu-aarch64 for arm64, with the
# sysroot's loader and libraries).
if [ $cross = 1 ]; then
  QEMU_LD_PREFIX="$sysroot" qemu-aarch64 "$stage/usr/bin/snbridge" --help >"$doc/snbridge-help.txt"
else
  "$stage/usr/bin/snbridge" --help >"$doc/snbridge-help.txt"
fi
# Debian policy 12.3: documentation over 4 kB is gzip -9n compressed.
find "$doc" -type f -size +4k -exec gzip -9n {} +
for s in postinst prerm postrm conffiles; do
  install -m "$([ "$s" = conffiles ] && echo 0644 || echo 0755)" "$repo/packaging/debian/$s" "$stage/DEBIAN/$s"
done

# --- Depends from the binaries' NEEDED libraries ---------------------------------------
# Each soname -> the package that ships it, with the version of the library's shlibs or
# symbols file; amd64 asks dpkg (dpkg-shlibdeps, symbol-exact), arm64 the downloaded .debs.
if [ $cross = 0 ]; then
  work=$(mktemp -d)
  mkdir -p "$work/debian"
  printf 'Source: snbridge\n\nPackage: snbridge\nArchitecture: any\n' >"$work/debian/control"
  shlibs=$(cd "$work" && dpkg-shlibdeps -O "$stage"/usr/bin/* 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
  rm -rf "$work"
else
  needed=$("$triple-objdump" -p "$stage"/usr/bin/* | awk '/NEEDED/{print $2}' | sort -u)
  index=$(mktemp)
  for d in "$sysroot.apt"/debs/*.deb; do
    dpkg-deb -c "$d" | awk -v deb="$d" '{ n = split($6, p, "/"); print deb "\t" p[n] }'
  done >"$index"
  deps=()
  for so in $needed; do
    found=$(awk -F'\t' -v so="$so" '$2 == so { print $1; exit }' "$index")
    [ -n "$found" ] || { echo "package: no $arch package ships $so" >&2; exit 1; }
    pkg=$(dpkg-deb -f "$found" Package)
    # The minimal version the library's shlibs file names (else its upstream version).
    minver=$(dpkg-deb --ctrl-tarfile "$found" | tar -xO ./shlibs 2>/dev/null |
             awk -v so="$so" '$1 "." "so." $2 == so || $1 "-" $2 ".so" == so { $1 = $2 = ""; print; exit }' |
             sed -n 's/.*(\(.*\)).*/\1/p' || true)
    if [ -z "$minver" ]; then
      minver=">= $(dpkg-deb -f "$found" Version | sed 's/-[^-]*$//')"
    fi
    deps+=("$pkg ($minver)")
  done
  rm -f "$index"
  shlibs=$(printf '%s\n' "${deps[@]}" | sort -u | paste -sd, | sed 's/,/, /g')
fi
[ -n "$shlibs" ] || { echo "package: could not compute Depends" >&2; exit 1; }

installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: snbridge
Version: $version
Architecture: $arch
Maintainer: snbridge developers <snbridge@localhost>
Installed-Size: $installed_size
Depends: $shlibs, adduser, procps
Section: net
Priority: optional
Description: MQTT-SN v1.2 gateway with a built-in MQTT broker
 Battery-powered sensors speak MQTT-SN over UDP; snbridge gives each one a full
 MQTT session on its built-in broker (for offline sites) or on any TCP MQTT
 broker through Eclipse Paho MQTT C++ (transparent or aggregating).
 .
 This package runs it as the systemd service snbridge.service, as the
 snbridge system user, with its state in /var/lib/snbridge. The tools
 snbridge-pub, snbridge-sub and snbridge-bench are included.
EOF

step "dpkg-deb --build $deb"
dpkg-deb --root-owner-group --build -Zxz "$stage" "$deb" >/dev/null
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
ls -l "$deb"
step "done"
