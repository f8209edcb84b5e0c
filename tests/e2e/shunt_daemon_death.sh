#!/usr/bin/env bash
# shuntd dies (kill -9) under a running app: a recv blocked on an accelerated
# connection fails with ECONNRESET promptly, a send then fails (EPIPE or
# ECONNRESET) instead of hanging, and new sockets go to the kernel: a
# connect to the wire's subnet gets the kernel's answer (no route), one to
# the kernel link works.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start tdeath 243
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
peer() { "$SHUNT" lab peer -- "$@"; }

peer python3 "$PROGS/echo_server.py" 0.0.0.0 7000 3 --threads > "$TMPDIR_E2E/echo" 2>&1 &
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/echo" && break; sleep 0.1; done

"$SHUNT" run -- python3 - "$SHUNT_LAB_PEER_IP" "$SHUNT_LAB_KERNEL_PEER_IP" > "$TMPDIR_E2E/app" 2>&1 <<'PY' &
import socket, sys, time
wire_peer, kernel_peer = sys.argv[1], sys.argv[2]
s = socket.create_connection((wire_peer, 7000), timeout=10)
s.sendall(b"hello")
assert s.recv(100) == b"hello"
s.settimeout(None)
print("connected", flush=True)
t0 = time.monotonic()
try:
    r = s.recv(100)
    print("recv returned", r, flush=True)
except OSError as e:
    print("recv error %s after %.1f s" % (type(e).__name__, time.monotonic() - t0), flush=True)
try:
    s.sendall(b"x" * 100000)
    print("send ok", flush=True)
except OSError as e:
    print("send error", type(e).__name__, flush=True)
s.close()
n = socket.socket()
n.settimeout(5)
try:
    n.connect((wire_peer, 7000))
    print("new wire connect ok", flush=True)
except OSError as e:
    print("new wire connect", e.errno, flush=True)
k = socket.create_connection((kernel_peer, 7000), timeout=5)
k.sendall(b"kernel")
print("kernel link", k.recv(100).decode(), flush=True)
PY
app=$!
for _ in $(seq 100); do grep -q connected "$TMPDIR_E2E/app" && break; sleep 0.1; done
grep -q connected "$TMPDIR_E2E/app" || fail "app: $(cat "$TMPDIR_E2E/app")"
sleep 0.3
pid=$(cat "$SHUNT_LAB_RUN_DIR/tdeath/shuntd.pid")
note "kill -9 shuntd ($pid)"
kill -9 "$pid"
for _ in $(seq 100); do kill -0 $app 2>/dev/null || break; sleep 0.1; done
kill -0 $app 2>/dev/null && fail "the app hangs after shuntd died: $(cat "$TMPDIR_E2E/app")"
wait $app || fail "app exited non-zero: $(cat "$TMPDIR_E2E/app")"
out=$(cat "$TMPDIR_E2E/app")
echo "$out"
grep -Eq "^recv error ConnectionResetError after [0-2]\.[0-9] s" <<<"$out" || fail "recv did not fail with ECONNRESET promptly"
grep -Eq "^send error (BrokenPipeError|ConnectionResetError)" <<<"$out" || fail "send did not fail"
grep -Eq "^new wire connect (101|113)$" <<<"$out" || fail "a new socket did not go to the kernel (ENETUNREACH/EHOSTUNREACH expected)"
grep -q "^kernel link kernel" <<<"$out" || fail "the kernel link does not work"
