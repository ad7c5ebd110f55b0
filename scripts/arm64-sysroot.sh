#!/usr/bin/env bash
# Makes the arm64 sysroot the cross builds link against (scripts/package.sh arm64,
# scripts/arm64-test.sh): the arm64 .debs of the build's dependencies and everything they
# need, downloaded with a private apt state (the host's apt and dpkg are not touched: no
# --add-architecture, nothing :arm64 installed, so libyaml-cpp-dev, which is not
# Multi-Arch: same, cannot replace the amd64 one) and unpacked with `dpkg -x`.
#   scripts/arm64-sysroot.sh DIR     # DIR/.complete marks a finished one and lists its
#                                    # packages; it is kept while that list is the same
set -euo pipefail
sysroot=${1:?usage: $0 SYSROOT_DIR}
arch=arm64
export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
step() { echo "arm64-sysroot: [$(($(date +%s) - start)) s] $*"; }

# What the build links against, with every dependency apt resolves for them (libc6-dev,
# libstdc++-12-dev included: the sysroot is the whole target userland the compiler sees).
sysroot_pkgs=(libc6-dev libstdc++-12-dev libuv1-dev libpaho-mqttpp-dev libpaho-mqtt-dev
              libyaml-cpp-dev libexpected-dev libsqlite3-dev libssl-dev libsystemd-dev doctest-dev
              libjemalloc-dev)
if [ "$(cat "$sysroot/.complete" 2>/dev/null)" != "${sysroot_pkgs[*]}" ]; then
  apt_dir="$sysroot.apt"
  rm -rf "$sysroot" "$apt_dir"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$sysroot"
  : >"$apt_dir/status"
  # The host's Debian mirrors (deb822 .sources or one-line format), for arm64.
  mirrors=$(grep -hoE '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[^[:space:]]+' \
              /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
            awk '{print $NF}' | grep -E 'debian(-security)?/?$' | sort -u || true)
  [ -n "$mirrors" ] || mirrors="http://deb.debian.org/debian http://deb.debian.org/debian-security"
  for m in $mirrors; do
    case "$m" in
      *-security*) echo "deb [arch=$arch] $m bookworm-security main" ;;
      *) echo "deb [arch=$arch] $m bookworm main"; echo "deb [arch=$arch] $m bookworm-updates main" ;;
    esac
  done >"$apt_dir/sources.list"
  apt_opts=(-o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
            -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
            -o "Dir::State::Status=$apt_dir/status" -o "Dir::Etc::SourceParts=/dev/null"
            -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "APT::Sandbox::User=root")
  step "apt-get update for $arch (private state in $apt_dir; the host's apt is not touched)"
  apt-get "${apt_opts[@]}" update -qq
  # Every package an install of sysroot_pkgs would bring onto an empty arm64 system.
  mapfile -t closure < <(apt-get "${apt_opts[@]}" -s install --no-install-recommends \
                           "${sysroot_pkgs[@]}" | awk '/^Inst /{print $2}')
  step "downloading ${#closure[@]} $arch packages"
  (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download -qq "${closure[@]}")
  for d in "$apt_dir"/debs/*.deb; do
    dpkg -x "$d" "$sysroot"
  done
  # Absolute symlinks (libfoo.so -> /lib/...) must point into the sysroot.
  find "$sysroot" -type l -lname '/*' | while read -r link; do
    ln -sfn "$sysroot$(readlink "$link")" "$link"
  done
  echo "${sysroot_pkgs[*]}" >"$sysroot/.complete"
fi

