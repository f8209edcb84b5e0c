#!/usr/bin/env bash
# Issue 20 item 11: letting a group attach apps (socket-group) must not make
# its members admins, who could capture every user's traffic. With
# --socket-group nogroup, nobody's app attaches, but nobody's shuntctl is
# refused (exit 4): the admin socket has its own admin-owner/admin-group.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
id nobody >/dev/null 2>&1 && getent group nogroup >/dev/null || skip "no user nobody or group nogroup"
PY=/usr/bin/python3
[ -x $PY ] || skip "no $PY"
lab_lock
export SHUNT_LAB_SHUNTD_ARGS="--socket-group nogroup --control-mode 0660"
lab_start tadg 242
as_nobody() { (cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"); }
out=$(as_nobody "$SHUNT" run -- $PY -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$SHUNT_LAB_DAEMON_IP', 0))
print('attached')" 2>&1) || fail "nobody's app, a member of the control socket's group: $out"
[ "$out" = attached ] || fail "nobody's app: $out"
rc=0; out=$(as_nobody timeout 10 "$SHUNTCTL" --socket "$SHUNT_LAB_RUN_DIR/$LAB/admin.sock" capture -c 1 2>&1) || rc=$?
[ $rc = 4 ] || fail "a member of the control socket's group used the admin socket: exit $rc: $out"
rc=0; out=$(as_nobody "$SHUNTCTL" --socket "$SHUNT_LAB_RUN_DIR/$LAB/admin.sock" status 2>&1) || rc=$?
[ $rc = 4 ] || fail "status: exit $rc: $out"
echo PASS
