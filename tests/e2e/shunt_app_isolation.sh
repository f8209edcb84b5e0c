#!/usr/bin/env bash
# One app cannot hurt shuntd or another app, and a dead app leaves nothing:
#   - kill -9 of an app mid-transfer: the peer sees its connection reset,
#     `shuntctl apps` no longer lists it and lwIP's TCP pcbs are freed;
#   - an app that overwrites its whole segment with random bytes has its own
#     session ended (logged), while another app's 20 MiB echo completes intact
#     and shuntd keeps answering.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
# Small segments, so the scribbler can overwrite all of its own.
export SHUNT_LAB_SHUNTD_ARGS="--app-sockets 64 --socket-buffer 65536"
lab_start tisol 235
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
peer() { "$SHUNT" lab peer -- "$@"; }
wait_for() { for _ in $(seq 50); do grep -q "$1" "$2" && return 0; sleep 0.1; done; return 1; }
tcp_pcbs_used() {
    "$SHUNTCTL" stats --json | python3 -c "
import json,sys; d=json.load(sys.stdin)
p=[p for p in d['pools'] if p['name'] == 'TCP_PCB']; assert p, 'no TCP_PCB pool'; print(p[0]['used'])"
}
apps_count() { "$SHUNTCTL" apps --json | json_get '["apps"].__len__()'; }

note "kill -9 of an app mid-transfer"
peer python3 "$PROGS/sink_server.py" "$SHUNT_LAB_PEER_IP" 7300 > "$TMPDIR_E2E/sink" 2>&1 &
sink=$!
wait_for listening "$TMPDIR_E2E/sink" || fail "sink server did not start"
"$SHUNT" run -- python3 -c "
import socket
s = socket.create_connection(('$SHUNT_LAB_PEER_IP', 7300))
b = b'x' * 65536
while True:
    s.sendall(b)
" &
app=$!
sleep 1.5
[ "$(apps_count)" = 1 ] || fail "the sender is not attached"
kill -9 $app
wait $app 2>/dev/null
wait $sink
grep -q "^reset [1-9]" "$TMPDIR_E2E/sink" || fail "the peer did not see a reset after bytes: $(cat "$TMPDIR_E2E/sink")"
sleep 0.4
[ "$(apps_count)" = 0 ] || fail "the killed app is still listed: $("$SHUNTCTL" apps)"
[ "$(tcp_pcbs_used)" = 0 ] || fail "TCP pcbs still in use after the reset: $(tcp_pcbs_used)"
grep -q "app pid $app .*detached; 1 connections reset" "$SHUNT_LAB_RUN_DIR/$LAB/shuntd.log" || \
    fail "no detach line for pid $app"

note "a scribbling app ends only its own session"
peer python3 "$PROGS/echo_server.py" "$SHUNT_LAB_PEER_IP" 7400 2 --threads > "$TMPDIR_E2E/echo" 2>&1 &
echo_srv=$!
wait_for listening "$TMPDIR_E2E/echo" || fail "echo server did not start"
"$SHUNT" run -- python3 "$PROGS/echo_client.py" "$SHUNT_LAB_PEER_IP" 7400 20971520 > "$TMPDIR_E2E/good" 2>&1 &
good=$!
timeout 20 "$SHUNT" run -- python3 "$PROGS/scribble_segment.py" "$SHUNT_LAB_PEER_IP" 7400 > "$TMPDIR_E2E/bad" 2>&1
grep -q scribbled "$TMPDIR_E2E/bad" || fail "the scribbler did not run: $(cat "$TMPDIR_E2E/bad")"
wait $good || fail "the other app's transfer failed: $(cat "$TMPDIR_E2E/good")"
grep -q "^ok " "$TMPDIR_E2E/good" || fail "the other app's transfer: $(cat "$TMPDIR_E2E/good")"
wait $echo_srv 2>/dev/null
"$SHUNTCTL" status >/dev/null || fail "shuntd stopped answering"
grep -q "ending its session" "$SHUNT_LAB_RUN_DIR/$LAB/shuntd.log" || fail "no session was ended for the scribbler"
sleep 0.3
[ "$(apps_count)" = 0 ] || fail "apps still listed: $("$SHUNTCTL" apps)"
