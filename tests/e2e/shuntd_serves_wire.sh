#!/usr/bin/env bash
# shuntd's lwIP answers on the lab wire: ARP, ICMP echo (100 of 100) and TCP (a connection
# to a port nobody listens on is refused with RST), and shuntctl's counters
# match what the test sent. SIGTERM stops it within 2 seconds.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start tserve 233

"$SHUNTCTL" status >/dev/null || fail "shuntctl status"
st=$("$SHUNTCTL" status --json) || fail "status --json"
[ "$(json_get '["ports"][0]["address"]' <<<"$st")" = "$SHUNT_LAB_DAEMON_IP" ] || fail "status address: $st"
[ "$(json_get '["ports"][0]["link_up"]' <<<"$st")" = True ] || fail "link not up: $st"

note "100 pings, 100 answered, all counted"
out=$("$SHUNT" lab peer -- ping -q -c 100 -i 0.01 -W 2 "$SHUNT_LAB_DAEMON_IP") || fail "ping: $out"
grep -q "100 packets transmitted, 100 received" <<<"$out" || fail "not 100 of 100: $out"

note "the peer learned shuntd's MAC by ARP"
mac=$(json_get '["ports"][0]["mac"]' <<<"$st")
"$SHUNT" lab peer -- ip neigh show "$SHUNT_LAB_DAEMON_IP" | grep -qi "lladdr $mac" || \
    fail "no ARP entry for $SHUNT_LAB_DAEMON_IP at $mac: $("$SHUNT" lab peer -- ip neigh)"
sleep 0.3  # the worker publishes counters every 100 ms
s=$("$SHUNTCTL" stats --json) || fail "stats --json"
icmp_rx=$(json_get '["protocols"][4]["recv"]' <<<"$s")
icmp_tx=$(json_get '["protocols"][4]["xmit"]' <<<"$s")
[ "$(json_get '["protocols"][4]["name"]' <<<"$s")" = icmp ] || fail "protocol order"
[ "$icmp_rx" -ge 100 ] && [ "$icmp_tx" -ge 100 ] || fail "icmp counters rx=$icmp_rx tx=$icmp_tx"
rxp=$(json_get '["ports"][0]["rx_packets"]' <<<"$s")
txp=$(json_get '["ports"][0]["tx_packets"]' <<<"$s")
[ "$rxp" -ge 100 ] && [ "$txp" -ge 100 ] || fail "port counters rx=$rxp tx=$txp"

note "TCP to a closed port is refused by lwIP"
out=$("$SHUNT" lab peer -- python3 -c "
import socket
s = socket.socket(); s.settimeout(3)
try:
    s.connect(('$SHUNT_LAB_DAEMON_IP', 4242)); print('connected')
except ConnectionRefusedError: print('refused')
except Exception as e: print('other', e)
") || true
[ "$out" = refused ] || fail "TCP connect to closed port: $out"
sleep 0.3
s=$("$SHUNTCTL" stats --json)
[ "$(json_get '["protocols"][6]["recv"]' <<<"$s")" -ge 1 ] || fail "tcp recv not counted"

note "a user outside the admin group is refused"
if id nobody >/dev/null 2>&1; then
    chmod 0755 "$SHUNT_LAB_RUN_DIR" "$SHUNT_LAB_RUN_DIR/$LAB"
    chmod 0666 "$SHUNT_ADMIN_SOCKET"  # even with the file open, SO_PEERCRED refuses
    rc=0; out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$SHUNTCTL" status 2>&1) || rc=$?
    [ $rc = 4 ] || fail "nobody got exit $rc: $out"
    grep -q "permission denied" <<<"$out" || fail "no denial message: $out"
fi

note "SIGTERM: graceful exit within 2 s, socket removed"
pid=$(cat "$SHUNT_LAB_RUN_DIR/$LAB/shuntd.pid")
kill -TERM "$pid"
for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "shuntd still running 2 s after SIGTERM"
[ -e "$SHUNT_ADMIN_SOCKET" ] && fail "admin socket left behind"
grep -q "shuntd exited (0)" "$SHUNT_LAB_RUN_DIR/$LAB/shuntd.log" || fail "no clean exit in log"
echo PASS
