#!/usr/bin/env bash
# Issue 20 item 5: a forked child that closes every fd it inherited
# (closefrom) and drops root keeps no way into its parent's sockets. shunt
# keeps its own fds through closefrom (preload/channel.hpp), so before this
# the child still had the parent's session mapped (every socket's rings)
# and its control connection; now a process that holds none of a session's
# sockets any more lets go of it (channel::socket_removed). The parent's
# connection is untouched.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
id nobody >/dev/null 2>&1 || skip "no user nobody"
lab_lock
lab_start tdp 251
PROGS="$SHUNT_SRC_DIR/tests/security/progs"
PY=/usr/bin/python3
[ -x $PY ] || skip "no $PY"
"$SHUNT" lab peer -- python3 "$PROGS/eof_watch.py" 0.0.0.0 7620 1 >"$TMPDIR_E2E/peer" 2>&1 &
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/peer" && break; sleep 0.1; done
grep -q listening "$TMPDIR_E2E/peer" || fail "peer: $(cat "$TMPDIR_E2E/peer")"
(cd / && timeout 30 "$SHUNT" run -- $PY "$PROGS/dropped_privileges.py" "$SHUNT_LAB_PEER_IP" 7620) >"$TMPDIR_E2E/app" 2>&1 ||
    fail "app: $(cat "$TMPDIR_E2E/app")"
note "app: $(tr '\n' ';' <"$TMPDIR_E2E/app")"
grep -q "^child unmapped 0$" "$TMPDIR_E2E/app" || fail "the child kept its parent's session: $(grep ^child "$TMPDIR_E2E/app")"
for _ in $(seq 50); do grep -q "^named one" "$TMPDIR_E2E/peer" && break; sleep 0.1; done
grep -q "^named one" "$TMPDIR_E2E/peer" || fail "the parent's connection broke: $(cat "$TMPDIR_E2E/peer")"
opens=$("$SHUNTCTL" stats --json | json_get '["tcp"]["active_opens"]') || opens=0
[ "${opens:-0}" -ge 1 ] || fail "the connection was not shuntd's ($opens active opens)"
echo PASS
