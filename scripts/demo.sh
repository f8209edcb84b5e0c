#!/usr/bin/env bash
# ./dev demo: bring up the virtual lab, drive real programs against shuntd's
# lwIP stack over the DPDK wire, and show what shuntctl sees. The lab stays
# up afterwards for exploring (`./dev lab down` removes it).
set -euo pipefail
build=${1:?usage: demo.sh BUILD_DIR}
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

step "python3 on the peer opens TCP to shuntd: lwIP answers a closed port with RST"
"$shunt" lab peer -- python3 - "$SHUNT_LAB_DAEMON_IP" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(3)
try:
    s.connect((sys.argv[1], 80)); print("connected")
except ConnectionRefusedError:
    print(f"connect({sys.argv[1]}:80): connection refused by shuntd's lwIP (no listener yet)")
PY

step "shuntctl status"
"$shuntctl" status
step "shuntctl stats"
sleep 0.2
"$shuntctl" stats

cat <<EOF

The lab is still up. Try:
  $shunt lab peer -- ping $SHUNT_LAB_DAEMON_IP
  $shuntctl stats          (with SHUNT_ADMIN_SOCKET=$SHUNT_ADMIN_SOCKET)
  ./dev lab down           removes everything the lab made
EOF
