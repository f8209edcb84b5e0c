#!/usr/bin/env bash
# SHUNT_LOOPBACK=1 serves 127.0.0.1 inside shuntd: an echo server and client,
# both under shunt, move 5 MiB byte-exact without the kernel's loopback, and
# without SHUNT_LOOPBACK the same pair stays on the kernel.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start tloop 240
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
rx_tcp() { "$SHUNTCTL" stats --json | json_get '["protocols"][6]["recv"]'; }

note "loopback inside shuntd"
before=$(rx_tcp)
SHUNT_LOOPBACK=1 "$SHUNT" run -- python3 "$PROGS/echo_server.py" 127.0.0.1 7700 1 > "$TMPDIR_E2E/srv" 2>&1 &
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/srv" && break; sleep 0.1; done
out=$(SHUNT_LOOPBACK=1 "$SHUNT" run -- python3 "$PROGS/echo_client.py" 127.0.0.1 7700 5242880) || fail "client: $out"
[ "${out%% *}" = ok ] || fail "client: $out"
wait
# The worker publishes its counters every 100 ms (an idle one on waking for it).
# 5 MiB each way in lwIP's 16 KiB loopback segments is at least 640 data
# segments; how many ACKs go with them depends on timing (1,300 to 1,430
# segments in all here, under 1,000 in one CI run), so the floor is the data.
for _ in $(seq 30); do [ $(( $(rx_tcp) - before )) -gt 600 ] && break; sleep 0.1; done
d=$(( $(rx_tcp) - before ))
[ $d -gt 600 ] || fail "lwIP did not carry the loopback traffic ($d TCP segments)"

note "without SHUNT_LOOPBACK, 127.0.0.1 stays on the kernel"
"$SHUNT" run -- python3 "$PROGS/echo_server.py" 127.0.0.1 7701 1 > "$TMPDIR_E2E/srv2" 2>&1 &
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/srv2" && break; sleep 0.1; done
before=$(rx_tcp)
out=$(python3 "$PROGS/echo_client.py" 127.0.0.1 7701 100000) || fail "kernel client: $out"
wait
sleep 0.3
[ $(( $(rx_tcp) - before )) -lt 10 ] || fail "kernel loopback traffic went through lwIP"
