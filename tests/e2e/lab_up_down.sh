#!/usr/bin/env bash
# shunt lab up builds the lab and a working shuntd; shunt lab down removes
# every namespace, link, route, process and hugepage reservation it made.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
hp_before=$(cat $hp 2>/dev/null || echo 0)

# A low soft fd limit for shuntd to raise (it inherits this shell's).
ulimit -Sn 1024
lab_start tlabud 231
note "up is idempotent"
"$SHUNT" lab up >/dev/null 9>&- || fail "second lab up"
"$SHUNT" lab status >/dev/null || fail "lab status says not up"

note "env gives every address"
for v in SHUNT_LAB_DAEMON_IP SHUNT_LAB_PEER_IP SHUNT_LAB_PEER_NS SHUNT_LAB_KERNEL_IP SHUNT_LAB_KERNEL_PEER_IP; do
    [ -n "${!v:-}" ] || fail "shunt lab env lacks $v"
done
[ "$SHUNT_LAB_DAEMON_IP" = 10.231.1.1 ] || fail "daemon ip $SHUNT_LAB_DAEMON_IP"

note "env, status and peer know the lab's nets by its name alone (no flag, no variable)"
got=$(env -u SHUNT_LAB_WIRE_NET -u SHUNT_LAB_KERNEL_NET "$SHUNT" lab env | grep '^export SHUNT_LAB_DAEMON_IP=')
[ "$got" = "export SHUNT_LAB_DAEMON_IP=10.231.1.1" ] || fail "lab env by name: $got"
env -u SHUNT_LAB_WIRE_NET -u SHUNT_LAB_KERNEL_NET "$SHUNT" lab status >/dev/null || fail "lab status by name"

note "shuntd raised its soft fd limit to its hard one, at least (two fds per socket)"
pid=$(cat "$SHUNT_LAB_RUN_DIR/tlabud/shuntd.pid") || fail "no shuntd pid file"
read -r soft hard < <(awk '/^Max open files/ { print $4, $5 }' "/proc/$pid/limits")
[ "$soft" = "$hard" ] && [ "$soft" -ge "$(ulimit -Hn)" ] ||
    fail "shuntd's RLIMIT_NOFILE is $soft (hard $hard); it started with 1024 (hard $(ulimit -Hn))"

note "shuntd holds no lab lock (a shuntd left behind would hold off every lab test)"
if ls -l "/proc/$pid/fd" 2>/dev/null | grep -q 'shunt-e2e.lock'; then fail "shuntd inherited the lab lock"; fi

note "kernel link works from the host namespace"
ping -c 1 -W 2 "$SHUNT_LAB_KERNEL_PEER_IP" >/dev/null || fail "kernel link ping"

note "the host kernel cannot reach the shunt subnet"
if ping -c 1 -W 1 "$SHUNT_LAB_PEER_IP" >/dev/null 2>&1; then fail "host kernel reached $SHUNT_LAB_PEER_IP"; fi
ip route get "$SHUNT_LAB_PEER_IP" 2>&1 | grep -qiE "unreachable|No route to host" || \
    fail "route to the shunt subnet is not unreachable: $(ip route get "$SHUNT_LAB_PEER_IP" 2>&1)"

note "the peer reaches shuntd's lwIP over the wire"
"$SHUNT" lab peer -- ping -c 3 -i 0.2 -W 2 "$SHUNT_LAB_DAEMON_IP" >/dev/null || fail "peer ping to shuntd"

env -u SHUNT_LAB_WIRE_NET -u SHUNT_LAB_KERNEL_NET "$SHUNT" lab down >/dev/null || fail "lab down"
assert_lab_gone tlabud 10.231.1
[ "$(cat $hp 2>/dev/null || echo 0)" = "$hp_before" ] || fail "hugepages not released: $hp_before -> $(cat $hp)"
trap - EXIT
echo PASS
