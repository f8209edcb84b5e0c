#!/usr/bin/env bash
# Installs every dependency of shunt from Debian packages and fetches Debian's
# lwip source package into third_party/ (ignored by git, never committed).
# Idempotent: when everything is present it only checks and returns in seconds.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

# Debian packages shunt builds and tests with. Each name is a bookworm package.
PKGS=(
  build-essential autoconf automake libtool pkg-config dpkg-dev
  libdpdk-dev dpdk
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libcapstone-dev libxdp-dev libbpf-dev libpcap-dev
  iproute2 ethtool procps psmisc iputils-ping tcpdump netcat-openbsd python3
  # Real programs the end-to-end tests and the compatibility suite run
  # through shunt (a test whose program is missing is skipped, never passed).
  curl nginx-light socat iperf3 redis-server redis-tools wrk sockperf memcached haproxy
  # ./dev bench: callgrind for the interposer's instruction count, perf for
  # the servers' system calls per request, matplotlib (Debian's
  # /usr/bin/python3) for the results plot.
  valgrind linux-perf python3-matplotlib
  # The shuntctl test parses `shuntctl metrics` with Prometheus's own parser.
  python3-prometheus-client
  # e2e shunt_spin_wait counts a client's system calls with strace.
  strace
  # tests/security/io_uring.sh builds a liburing program (issue 20 item 12).
  liburing-dev
  # ./dev fuzz: libFuzzer targets need clang and its runtime libraries.
  clang libclang-rt-14-dev
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

need_update=0
if [ ${#missing[@]} -gt 0 ]; then need_update=1; fi

# deb-src for lwIP: enable source entries for the archive that is already
# configured (no host is named here; we reuse whatever URIs the machine has).
lwip_dir="$top/third_party/lwip"
if [ ! -f "$lwip_dir/src/core/tcp.c" ]; then
  if ! apt-get source --print-uris lwip >/dev/null 2>&1; then
    changed=0
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      # deb822: add deb-src next to deb in stanzas of the Debian archive.
      if grep -q '^Types: deb$' "$f" && grep -qi 'debian' "$f"; then
        sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"; changed=1
      fi
    done
    if [ -f /etc/apt/sources.list ]; then
      if grep -qE '^deb [^#]*debian' /etc/apt/sources.list && \
         ! grep -qE '^deb-src ' /etc/apt/sources.list; then
        grep -E '^deb [^#]*debian' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
          >> /etc/apt/sources.list
        changed=1
      fi
    fi
    [ $changed -eq 1 ] && echo "deps: enabled deb-src for the configured Debian archive"
    need_update=1
  fi
fi

if [ $need_update -eq 1 ]; then
  echo "deps: apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f "$lwip_dir/src/core/tcp.c" ]; then
  echo "deps: fetching Debian's lwip source package"
  tmp=$(mktemp -d "$top/third_party.tmp.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get -o APT::Sandbox::User=root source --download-only -qq lwip >/dev/null && \
     dpkg-source --no-check -x ./lwip_*.dsc lwip-src >/dev/null)
  mkdir -p "$top/third_party"
  rm -rf "$lwip_dir"
  mv "$tmp/lwip-src" "$lwip_dir"
  echo "deps: lwip source in third_party/lwip"
fi
