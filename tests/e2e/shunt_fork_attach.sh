#!/usr/bin/env bash
# A forked child attaches to shuntd on its own (shuntctl apps lists it apart
# from its parent, with the socket it opened) and still reaches the sockets
# it inherited: a connection (echo) and a listener (accept).
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start tfork 247
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
peer() { "$SHUNT" lab peer -- "$@"; }

peer python3 "$PROGS/echo_server.py" 0.0.0.0 7800 2 --threads > "$TMPDIR_E2E/echo" 2>&1 &
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/echo" && break; sleep 0.1; done
"$SHUNT" run -- python3 "$PROGS/fork_attach.py" "$SHUNT_LAB_PEER_IP" 7800 "$SHUNT_LAB_DAEMON_IP" 7801 "$SHUNTCTL" \
    > "$TMPDIR_E2E/app" 2>&1 &
app=$!
for _ in $(seq 100); do grep -q "child ready" "$TMPDIR_E2E/app" && break; sleep 0.1; done
grep -q "child ready" "$TMPDIR_E2E/app" || fail "the child: $(cat "$TMPDIR_E2E/app")"
out=$(peer python3 -c 'import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
c.sendall(b"knock")
print(c.recv(100).decode())' "$SHUNT_LAB_DAEMON_IP" 7801) || fail "connecting to the inherited listener: $out"
[ "$out" = knock ] || fail "the child's echo on the inherited listener: '$out'"
wait $app || fail "the app: $(cat "$TMPDIR_E2E/app")"
grep -q "child: inherited True own True listed True parent listed True own sockets [1-9]" "$TMPDIR_E2E/app" ||
    fail "the child's view: $(cat "$TMPDIR_E2E/app")"
grep -q "parent: inherited still True child exit 0" "$TMPDIR_E2E/app" || fail "the parent: $(cat "$TMPDIR_E2E/app")"
echo PASS
