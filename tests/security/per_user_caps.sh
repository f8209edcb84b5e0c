#!/usr/bin/env bash
# Issue 20 item 11: one user cannot take every session of shuntd. With
# --max-apps-per-user 2, a third app of user nobody is refused (it runs on
# the kernel, as any app beyond max-apps does), while root's apps still
# attach. (shuntd also keeps at most 8 of a user's connections waiting to
# attach.)
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
id nobody >/dev/null 2>&1 || skip "no user nobody"
PY=/usr/bin/python3
[ -x $PY ] || skip "no $PY"
lab_lock
export SHUNT_LAB_SHUNTD_ARGS="--max-apps-per-user 2"
lab_start tpuc 245
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
# A program that binds a UDP socket on shuntd's address (which attaches it)
# and then waits to be killed; it says whether the bind was shuntd's.
holder='
import errno, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.bind((sys.argv[1], 0))
    print("attached", flush=True)
except OSError as e:
    print(errno.errorcode[e.errno], flush=True)   # EADDRNOTAVAIL: the kernel has no such address
time.sleep(30)
'
apps_of() { "$SHUNTCTL" apps --json | $PY -c "import json,sys; print(sum(1 for a in json.load(sys.stdin)['apps'] if a['uid'] == $1))"; }
# start NAME RUN...: a holder started with RUN (a job of this shell, so the
# teardown kills it); then first NAME prints its first line.
start() {
    local name=$1
    shift
    (cd / && "$@" "$SHUNT" run -- $PY -c "$holder" "$SHUNT_LAB_DAEMON_IP") </dev/null >"$TMPDIR_E2E/$name" 2>"$TMPDIR_E2E/$name.err" &
    for _ in $(seq 50); do [ -s "$TMPDIR_E2E/$name" ] && break; sleep 0.1; done
}
first() { head -1 "$TMPDIR_E2E/$1"; }
for n in 1 2; do
    start nobody$n as_nobody
    [ "$(first nobody$n)" = attached ] || fail "nobody's app $n: $(cat "$TMPDIR_E2E/nobody$n")"
done
start nobody3 as_nobody
[ "$(first nobody3)" = EADDRNOTAVAIL ] || fail "nobody's third app was not refused: $(first nobody3); $("$SHUNTCTL" apps)"
[ "$(apps_of 65534)" = 2 ] || fail "nobody has $(apps_of 65534) apps attached, not 2"
grep -q "uid 65534 refused: the user has 2 apps attached (max-apps-per-user)" "$SHUNT_LAB_RUN_DIR/$LAB/shuntd.log" ||
    fail "no refusal logged"
start root1 env
[ "$(first root1)" = attached ] || fail "root's app was refused beside nobody's: $(first root1)"
echo PASS
