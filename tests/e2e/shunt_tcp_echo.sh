#!/usr/bin/env bash
# TCP through shuntd, byte-exact, both directions of acceleration:
#   - a client under shunt echoes 20 MiB through a kernel server on the peer;
#   - a threaded server under shunt echoes for 3 concurrent peer clients, then
#     50 short connections one after another;
# and the traffic really crossed shuntd's port (its byte counters), the app
# was listed by `shuntctl apps` while attached and is gone after it exits.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start techo 234
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
peer() { "$SHUNT" lab peer -- "$@"; }

rx_bytes() { "$SHUNTCTL" stats --json | json_get '["ports"][0]["rx_bytes"]'; }

note "client under shunt -> kernel echo server on the peer, 20 MiB"
peer python3 "$PROGS/echo_server.py" "$SHUNT_LAB_PEER_IP" 7000 1 > "$TMPDIR_E2E/srv1" 2>&1 &
srv=$!
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/srv1" && break; sleep 0.1; done
before=$(rx_bytes)
out=$("$SHUNT" run -- python3 "$PROGS/echo_client.py" "$SHUNT_LAB_PEER_IP" 7000 20971520) || fail "client: $out"
[ "${out%% *}" = ok ] || fail "client: $out"
wait $srv || fail "peer server exit"
sleep 0.3
after=$(rx_bytes)
[ $((after - before)) -ge 20971520 ] || fail "shuntd's port saw $((after - before)) bytes, not the 20 MiB echo"

note "threaded server under shunt <- 3 concurrent peer clients"
"$SHUNT" run -- python3 "$PROGS/echo_server.py" "$SHUNT_LAB_DAEMON_IP" 7100 3 --threads > "$TMPDIR_E2E/srv2" 2>&1 &
srv=$!
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/srv2" && break; sleep 0.1; done
grep -q "listening $SHUNT_LAB_DAEMON_IP 7100" "$TMPDIR_E2E/srv2" || fail "server under shunt: $(cat "$TMPDIR_E2E/srv2")"
listed=no
for _ in $(seq 20); do  # the worker publishes its apps every 100 ms
    apps=$("$SHUNTCTL" apps --json) || fail "shuntctl apps"
    python3 -c "
import json,sys; a=json.loads(sys.argv[1])['apps']
assert all(k in p for p in a for k in ('pid','uid','cmdline','sockets')), a
assert any('echo_server.py' in p['cmdline'] and p['sockets'] == 1 for p in a), a
" "$apps" 2>/dev/null && { listed=yes; break; }
    sleep 0.1
done
[ $listed = yes ] || fail "the server (one listening socket) is not listed by shuntctl apps: $apps"
pids=()
for i in 1 2 3; do
    peer python3 "$PROGS/echo_client.py" "$SHUNT_LAB_DAEMON_IP" 7100 $((3000000 + i)) > "$TMPDIR_E2E/cli$i" 2>&1 &
    pids+=($!)
done
for i in 1 2 3; do
    wait "${pids[$((i - 1))]}" || fail "peer client $i: $(cat "$TMPDIR_E2E/cli$i")"
    grep -q "^ok " "$TMPDIR_E2E/cli$i" || fail "peer client $i: $(cat "$TMPDIR_E2E/cli$i")"
done
wait $srv || fail "server under shunt exited non-zero: $(cat "$TMPDIR_E2E/srv2")"

note "50 short connections to a server under shunt"
"$SHUNT" run -- python3 "$PROGS/echo_server.py" "$SHUNT_LAB_DAEMON_IP" 7200 50 > "$TMPDIR_E2E/srv3" 2>&1 &
srv=$!
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/srv3" && break; sleep 0.1; done
out=$(peer python3 -c "
import socket
for i in range(50):
    s = socket.create_connection(('$SHUNT_LAB_DAEMON_IP', 7200), timeout=10)
    msg = b'message %d' % i
    s.sendall(msg); s.shutdown(socket.SHUT_WR)
    got = b''
    while True:
        d = s.recv(100)
        if not d: break
        got += d
    assert got == msg, (i, got)
    s.close()
print('50 ok')
") || fail "short connections: $out"
[ "$out" = "50 ok" ] || fail "short connections: $out"
wait $srv || fail "server under shunt: $(cat "$TMPDIR_E2E/srv3")"

note "no app left attached"
sleep 0.3
n=$("$SHUNTCTL" apps --json | json_get '["apps"].__len__()')
[ "$n" = 0 ] || fail "$n apps still listed after they exited"
