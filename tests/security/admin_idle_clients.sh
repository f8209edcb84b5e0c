#!/usr/bin/env bash
# Issue 20 item 11: clients of the admin socket that connect and never ask
# (or never read the answer) hold its few places (64); shuntd drops them
# after a few seconds, so `shuntctl` works again. The same for the control
# socket's connections that never ask to attach, which used to be dropped
# only when another event came.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start tadm 243
idle='
import socket, sys, time
held = []
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM if sys.argv[3] == "stream" else socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    held.append(s)
print("holding", len(held), flush=True)
time.sleep(30)
'
python3 -c "$idle" "$SHUNT_LAB_RUN_DIR/$LAB/admin.sock" 70 stream >"$TMPDIR_E2E/admin" 2>&1 &
python3 -c "$idle" "$SHUNT_LAB_RUN_DIR/$LAB/control.sock" 70 seqpacket >"$TMPDIR_E2E/control" 2>&1 &
for _ in $(seq 50); do grep -q holding "$TMPDIR_E2E/admin" && grep -q holding "$TMPDIR_E2E/control" && break; sleep 0.1; done
grep -q holding "$TMPDIR_E2E/admin" || fail "admin holder: $(cat "$TMPDIR_E2E/admin")"
"$SHUNTCTL" status >/dev/null 2>&1 && note "shuntctl answered while idle clients were held (a place was free)"
ok=0
for _ in $(seq 100); do
    if "$SHUNTCTL" status >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.1
done
[ $ok = 1 ] || fail "shuntctl still refused 10 s after the idle clients connected"
# An app attaches: the control socket's idle connections were dropped too.
out=$("$SHUNT" run -- python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$SHUNT_LAB_DAEMON_IP', 0))
print('attached')") || fail "an app could not attach: $out"
[ "$out" = attached ] || fail "app: $out"
echo PASS
