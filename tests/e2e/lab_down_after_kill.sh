#!/usr/bin/env bash
# After kill -9 of every lab process, shunt lab down still removes everything.
# This lab runs on the AF_PACKET fallback, so that driver is covered too.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
hp_before=$(cat $hp 2>/dev/null || echo 0)

export SHUNT_LAB_PMD=af_packet
lab_start tlabkill 232
"$SHUNTCTL" status --json | grep -q '"driver":"net_af_packet"' || fail "not on AF_PACKET"
"$SHUNT" lab peer -- ping -c 2 -i 0.2 -W 2 "$SHUNT_LAB_DAEMON_IP" >/dev/null || fail "ping over AF_PACKET"
pid=$(cat "$SHUNT_LAB_RUN_DIR/tlabkill/shuntd.pid")
kill -0 "$pid" || fail "no shuntd"
kill -9 "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "shuntd survived kill -9"
"$SHUNT" lab status >/dev/null && fail "status says up with shuntd dead"

"$SHUNT" lab down >/dev/null || fail "lab down after kill -9"
assert_lab_gone tlabkill 10.232.1
[ "$(cat $hp 2>/dev/null || echo 0)" = "$hp_before" ] || fail "hugepages not released"
trap - EXIT
echo PASS
