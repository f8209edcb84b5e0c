#!/usr/bin/env bash
# Issue 20 item 7: close() of a socket while another thread is blocked in
# send() on it must not send that thread's bytes to another connection. The
# kernel holds the file for the length of the call; shunt holds the socket
# (preload/held_socket.hpp), so the slot and its rings are not reused by the
# connection opened right after the close. Through shunt, the second
# connection's peer receives exactly what was sent on it.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start tcds 246
PROGS="$SHUNT_SRC_DIR/tests/security/progs"
peer() { "$SHUNT" lab peer -- "$@"; }

peer python3 "$PROGS/two_sinks.py" "$SHUNT_LAB_PEER_IP" 7600 3 >"$TMPDIR_E2E/peer" 2>&1 &
srv=$!
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/peer" && break; sleep 0.1; done
grep -q listening "$TMPDIR_E2E/peer" || fail "peer: $(cat "$TMPDIR_E2E/peer")"
timeout 60 "$SHUNT" run -- python3 "$PROGS/close_during_send.py" "$SHUNT_LAB_PEER_IP" 7600 >"$TMPDIR_E2E/app" 2>&1 ||
    fail "app: $(cat "$TMPDIR_E2E/app")"
timeout 30 tail --pid=$srv -f /dev/null || fail "peer did not finish: $(cat "$TMPDIR_E2E/peer")"
note "app: $(tr '\n' ';' <"$TMPDIR_E2E/app")"
note "peer: $(tr '\n' ';' <"$TMPDIR_E2E/peer")"
grep -q "^second 11 b'second only'$" "$TMPDIR_E2E/peer" ||
    fail "the second connection's peer received other bytes: $(grep '^second' "$TMPDIR_E2E/peer")"
opens=$("$SHUNTCTL" stats --json | json_get '["tcp"]["active_opens"]') || opens=0
[ "${opens:-0}" -ge 2 ] || fail "the connections were not shuntd's ($opens active opens)"
echo PASS
