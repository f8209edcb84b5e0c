#!/usr/bin/env bash
# A forking server's child holds the only fd of a connection (the parent
# closed its copy) and is killed with kill -9: the kernel closes the socket
# with its last file reference, so the peer sees EOF at once, or a reset
# under SO_LINGER {1, 0}. Through shunt the same: shuntd sees the app's end
# of the socket's notify pair released by every process (EPOLLRDHUP) and
# closes the connection as the kernel would. Kernel first (the oracle).
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start tkill 250
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
peer() { "$SHUNT" lab peer -- "$@"; }

# run_side NAME IP MODE RUN...: the peer connects, reads the greeting, the
# test kills the child; the peer must see MODE (eof or reset) within 3 s.
run_side() {
    local name=$1 ip=$2 mode=$3 port=$((7600 + RANDOM % 300)) flag="" out cli child
    shift 3
    [ "$mode" = reset ] && flag=--linger0
    "$@" python3 "$PROGS/fork_holder_server.py" "$ip" $port $flag > "$TMPDIR_E2E/srv-$name" 2>&1 &
    for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/srv-$name" && break; sleep 0.1; done
    grep -q "listening $ip $port" "$TMPDIR_E2E/srv-$name" || fail "$name server: $(cat "$TMPDIR_E2E/srv-$name")"
    peer timeout 30 python3 -c "
import socket, sys, time
s = socket.create_connection(('$ip', $port), timeout=10)
got = b''
while not got.endswith(b'\n'):
    got += s.recv(10)
print('greeted', flush=True)
s.settimeout(3)
t0 = time.monotonic()
try:
    d = s.recv(10)
    print('eof' if d == b'' else 'data %r' % d, '%.1f' % (time.monotonic() - t0))
except ConnectionResetError:
    print('reset', '%.1f' % (time.monotonic() - t0))
except socket.timeout:
    print('nothing within 3 s')
" > "$TMPDIR_E2E/cli-$name" 2>&1 &
    cli=$!
    for _ in $(seq 100); do grep -q '^child' "$TMPDIR_E2E/srv-$name" && grep -q greeted "$TMPDIR_E2E/cli-$name" && break; sleep 0.1; done
    child=$(awk '/^child/ { print $2 }' "$TMPDIR_E2E/srv-$name")
    [ -n "$child" ] || fail "$name: no child: $(cat "$TMPDIR_E2E/srv-$name")"
    kill -9 "$child"
    wait $cli
    out=$(tail -n 1 "$TMPDIR_E2E/cli-$name")
    [ "${out%% *}" = "$mode" ] || fail "$name ($mode expected): $out"
}

for mode in eof reset; do
    note "kernel: the child holding the connection is killed: $mode"
    run_side "kernel-$mode" "$SHUNT_LAB_KERNEL_IP" $mode
    note "through shunt: the same"
    run_side "shunt-$mode" "$SHUNT_LAB_DAEMON_IP" $mode "$SHUNT" run --
done
echo PASS
