#!/usr/bin/env bash
# ./dev demo: bring up the virtual lab, drive real programs against shuntd's
# lwIP stack over the DPDK wire, and show what shuntctl sees. The lab stays
# up afterwards for exploring (`./dev lab down` removes it).
set -euo pipefail
build=$(cd "${1:?usage: demo.sh BUILD_DIR}" && pwd)
shunt="$build/bin/shunt"
shuntctl="$build/bin/shuntctl"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "shunt lab up: namespaces, veth wire, shuntd with lwIP on DPDK"
"$shunt" lab up
eval "$("$shunt" lab env)"
export SHUNT_ADMIN_SOCKET

step "the kernel peer host pings shuntd's address ($SHUNT_LAB_DAEMON_IP) over the DPDK wire"
"$shunt" lab peer -- ping -c 5 -i 0.2 "$SHUNT_LAB_DAEMON_IP"

step "the same peer over the kernel-only link, for comparison ($SHUNT_LAB_KERNEL_IP)"
"$shunt" lab peer -- ping -c 5 -i 0.2 "$SHUNT_LAB_KERNEL_IP"

step "a Python HTTP server under shunt (its sockets on shuntd), curl on the peer fetches a file"
www=$(mktemp -d)
trap 'kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null || true; rm -rf "$www"' EXIT
head -c 1048576 /dev/urandom > "$www/file.bin"
(cd "$www" && exec "$shunt" run -- python3 -m http.server 8000 --bind "$SHUNT_LAB_DAEMON_IP") >/dev/null 2>&1 &
srv=$!
for _ in $(seq 50); do "$shunt" lab peer -- curl -s -o /dev/null "http://$SHUNT_LAB_DAEMON_IP:8000/" && break; sleep 0.1; done
"$shunt" lab peer -- curl -s -o "$www/got.bin" -w "curl: HTTP %{http_code}, %{size_download} bytes\n" \
    "http://$SHUNT_LAB_DAEMON_IP:8000/file.bin"
cmp -s "$www/file.bin" "$www/got.bin" && echo "the bytes match the file"

step "shuntctl apps: the server is attached to shuntd"
sleep 0.2
"$shuntctl" apps

step "curl under shunt downloads the same file from the server under shunt (both on shuntd)"
"$shunt" run -- curl -s -o /dev/null -w "curl: HTTP %{http_code}, %{size_download} bytes\n" \
    "http://$SHUNT_LAB_DAEMON_IP:8000/file.bin"

step "shuntctl status"
"$shuntctl" status
step "shuntctl stats"
sleep 0.2
"$shuntctl" stats

cat <<EOF

The lab is still up. Try:
  $shunt lab peer -- ping $SHUNT_LAB_DAEMON_IP
  $shuntctl stats          (it finds the lab's shuntd)
  ./dev lab down           removes everything the lab made
EOF
