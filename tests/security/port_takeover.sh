#!/usr/bin/env bash
# Issue 20 item 4, as it was found: root's server listens on 0.0.0.0:P with
# SO_REUSEADDR under shunt; a program of another uid (nobody), also under
# shunt and also with SO_REUSEADDR, binds <shuntd's address>:P to take the
# SYNs sent there. The kernel refuses that bind with EADDRINUSE (its
# inet_bind_conflict: SO_REUSEADDR never overrides a listener); so must
# shuntd (daemon/bind_conflict.hpp). Kernel first (the oracle), then shunt.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
id nobody >/dev/null 2>&1 || skip "no user nobody"
lab_lock
lab_start tpt 247
PORT=18080

# listen IP: a listener with SO_REUSEADDR on IP:PORT that says so, then waits.
listener='
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(8)
print("listening", flush=True)
time.sleep(120)
'
# bind IP: what bind() to IP:PORT with SO_REUSEADDR answers.
binder='
import errno, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
    print("bound")
except OSError as e:
    print(errno.errorcode[e.errno])
'
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
# Debian's python3: nobody may not reach one installed under root's home.
PY=/usr/bin/python3
[ -x $PY ] || skip "no $PY"

# attempt NAME IP RUN...: root listens (started with RUN), nobody binds IP (with RUN).
attempt() {
    local name=$1 ip=$2 srv out
    shift 2
    "$@" $PY -c "$listener" $PORT >"$TMPDIR_E2E/srv-$name" 2>&1 &
    srv=$!
    for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/srv-$name" && break; sleep 0.1; done
    grep -q listening "$TMPDIR_E2E/srv-$name" || fail "$name listener: $(cat "$TMPDIR_E2E/srv-$name")"
    out=$(cd / && as_nobody "$@" $PY -c "$binder" "$ip" $PORT 2>&1) || fail "$name: $out"
    kill_tree $srv
    wait $srv 2>/dev/null
    echo "$out"
}

note "kernel: nobody's bind beside root's listener"
out=$(attempt kernel "$SHUNT_LAB_KERNEL_IP")
[ "$out" = EADDRINUSE ] || fail "kernel answered '$out', not EADDRINUSE"
note "shunt: the same bind on shuntd's address"
out=$(attempt shunt "$SHUNT_LAB_DAEMON_IP" "$SHUNT" run --)
# EADDRNOTAVAIL would mean the bind went to the kernel (which has no such address).
[ "$out" = EADDRINUSE ] || fail "shuntd answered '$out', not EADDRINUSE (the kernel's answer)"
echo PASS
