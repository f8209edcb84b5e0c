#!/usr/bin/env bash
# A UDP socket on 0.0.0.0 under shunt receives on both stacks, as the
# kernel's receives on every interface: the peer's datagrams over shuntd's
# wire and over the kernel-only link both reach the one socket, and each
# answer leaves from the address it was sent to, by the stack that reaches
# the sender. shuntctl lists the socket. A socket on 0.0.0.0 that connects
# narrows to its peer's stack (either one) and talks to it. A UDP socket and
# a TCP listener on 0.0.0.0 keep serving both stacks after an exec.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start tudp 246
PROG="$SHUNT_SRC_DIR/tests/e2e/progs/udp_any.py"
peer() { "$SHUNT" lab peer -- "$@"; }

note "python UDP server on 0.0.0.0 under shunt, asked over both paths"
"$SHUNT" run -- python3 "$PROG" server 7700 3 > "$TMPDIR_E2E/srv" 2>&1 &
srv=$!
for _ in $(seq 50); do grep -q bound "$TMPDIR_E2E/srv" && break; sleep 0.1; done
grep -q "bound 0.0.0.0 7700" "$TMPDIR_E2E/srv" || fail "server: $(cat "$TMPDIR_E2E/srv")"
socks=$("$SHUNTCTL" sockets --json --proto udp --port 7700)
python3 -c "
import json, sys
s = json.loads(sys.argv[1])['sockets']
assert any(x['local'] == '0.0.0.0:7700' for x in s), s
" "$socks" || fail "shuntctl sockets does not show the socket on shuntd: $socks"
out=$(peer python3 "$PROG" ask "$SHUNT_LAB_DAEMON_IP" 7700 wire) || fail "over shuntd's wire: $out"
[ "$out" = "echo:wire $SHUNT_LAB_DAEMON_IP" ] || fail "over shuntd's wire: '$out'"
out=$(peer python3 "$PROG" ask "$SHUNT_LAB_KERNEL_IP" 7700 kernel) || fail "over the kernel link: $out"
[ "$out" = "echo:kernel $SHUNT_LAB_KERNEL_IP" ] || fail "over the kernel link: '$out'"
out=$(python3 "$PROG" ask 127.0.0.1 7700 host) || fail "over the host's loopback: $out"
[ "$out" = "echo:host 127.0.0.1" ] || fail "over the host's loopback: '$out'"
wait $srv || fail "server exited non-zero: $(cat "$TMPDIR_E2E/srv")"
grep -q done "$TMPDIR_E2E/srv" || fail "server: $(cat "$TMPDIR_E2E/srv")"

note "a socket on 0.0.0.0 that connects narrows to its peer's stack"
peer python3 "$PROG" server 7701 2 > "$TMPDIR_E2E/peer_srv" 2>&1 &
psrv=$!
for _ in $(seq 50); do grep -q bound "$TMPDIR_E2E/peer_srv" && break; sleep 0.1; done
out=$("$SHUNT" run -- python3 "$PROG" connected "$SHUNT_LAB_PEER_IP" 7701 towire) || fail "connected over the wire: $out"
[ "$out" = "echo:towire port set" ] || fail "connected over the wire: '$out'"
out=$("$SHUNT" run -- python3 "$PROG" connected "$SHUNT_LAB_KERNEL_PEER_IP" 7701 tokernel) ||
    fail "connected over the kernel link: $out"
[ "$out" = "echo:tokernel port set" ] || fail "connected over the kernel link: '$out'"
wait $psrv || fail "the peer's server: $(cat "$TMPDIR_E2E/peer_srv")"

note "sockets on both stacks cross an exec: UDP and a TCP listener on 0.0.0.0"
"$SHUNT" run -- python3 "$PROG" exec-server 7702 2 > "$TMPDIR_E2E/xsrv" 2>&1 &
xsrv=$!
for _ in $(seq 50); do grep -q "bound after exec" "$TMPDIR_E2E/xsrv" && break; sleep 0.1; done
grep -q "bound after exec 0.0.0.0 7702 7702" "$TMPDIR_E2E/xsrv" || fail "exec'ed server: $(cat "$TMPDIR_E2E/xsrv")"
for ip in "$SHUNT_LAB_DAEMON_IP" "$SHUNT_LAB_KERNEL_IP"; do
    out=$(peer python3 "$PROG" ask "$ip" 7702 "u$ip") || fail "UDP after exec via $ip: $out"
    [ "$out" = "echo:u$ip $ip" ] || fail "UDP after exec via $ip: '$out'"
done
for ip in "$SHUNT_LAB_DAEMON_IP" "$SHUNT_LAB_KERNEL_IP"; do
    out=$(peer python3 "$PROG" ask-tcp "$ip" 7702 "t$ip") || fail "TCP after exec via $ip: $out"
    [ "$out" = "echo:t$ip" ] || fail "TCP after exec via $ip: '$out'"
done
wait $xsrv || fail "exec'ed server exited non-zero: $(cat "$TMPDIR_E2E/xsrv")"
echo "PASS"
