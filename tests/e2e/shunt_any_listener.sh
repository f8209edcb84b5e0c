#!/usr/bin/env bash
# A TCP listener on 0.0.0.0 under shunt serves both stacks, as the kernel's
# serves every interface: the peer reaches it over shuntd's wire and over
# the kernel-only link, and the host itself over 127.0.0.1, each echoing
# byte-exact. shuntctl lists the shuntd side of it and the connection it
# accepted. Then nginx with a plain "listen PORT" (0.0.0.0: epoll, accept4
# loops) answers curl over both paths; SHUNT_BIND_ANY=kernel keeps it off
# shuntd.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start tany 244
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
peer() { "$SHUNT" lab peer -- "$@"; }

echo_once() {  # echo_once HOST PORT [peer]: one connection, 100 kB echoed
    local runner=()
    [ "${3:-}" = peer ] && runner=("$SHUNT" lab peer --)
    "${runner[@]}" python3 "$PROGS/echo_client.py" "$1" "$2" 100000
}

note "python echo server on 0.0.0.0 under shunt"
"$SHUNT" run -- python3 "$PROGS/echo_server.py" 0.0.0.0 7400 3 --threads > "$TMPDIR_E2E/srv" 2>&1 &
srv=$!
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/srv" && break; sleep 0.1; done
grep -q "listening 0.0.0.0 7400" "$TMPDIR_E2E/srv" || fail "server: $(cat "$TMPDIR_E2E/srv")"
out=$(echo_once "$SHUNT_LAB_DAEMON_IP" 7400 peer) || fail "over shuntd's wire: $out"
[ "${out%% *}" = ok ] || fail "over shuntd's wire: $out"
out=$(echo_once "$SHUNT_LAB_KERNEL_IP" 7400 peer) || fail "over the kernel link: $out"
[ "${out%% *}" = ok ] || fail "over the kernel link: $out"
# The server is still listening (one connection left): shuntd shows its side.
sleep 0.2
socks=$("$SHUNTCTL" sockets --json --port 7400)
python3 -c "
import json, sys
s = json.loads(sys.argv[1])['sockets']
assert any(x['state'] == 'LISTEN' and x['local'] == '0.0.0.0:7400' for x in s), s
" "$socks" || fail "shuntctl sockets does not show the listener on shuntd: $socks"
out=$(echo_once 127.0.0.1 7400) || fail "over the host's loopback: $out"
[ "${out%% *}" = ok ] || fail "over the host's loopback: $out"
wait $srv || fail "server exited non-zero: $(cat "$TMPDIR_E2E/srv")"

if command -v nginx >/dev/null && command -v curl >/dev/null; then
    note "nginx listening on 0.0.0.0 under shunt, curl over both paths"
    www="$TMPDIR_E2E/www"
    mkdir -p "$www"
    head -c 3000000 /dev/urandom > "$www/big.bin"
    want=$(sha256sum < "$www/big.bin")
    . "$PROGS/nginx_conf.sh"
    nginx_conf 0.0.0.0 8081 any "$www" "$TMPDIR_E2E" > "$TMPDIR_E2E/any.conf"
    "$SHUNT" run -- nginx -c "$TMPDIR_E2E/any.conf" -e "$TMPDIR_E2E/any.err" &
    for _ in $(seq 50); do peer curl -s -o /dev/null "http://$SHUNT_LAB_KERNEL_IP:8081/" && break; sleep 0.1; done
    for ip in "$SHUNT_LAB_DAEMON_IP" "$SHUNT_LAB_KERNEL_IP"; do
        got=$(peer curl -s -m 20 "http://$ip:8081/big.bin" | sha256sum)
        [ "$got" = "$want" ] || fail "nginx on 0.0.0.0 via $ip: the file differs"
    done
    listeners=$("$SHUNTCTL" sockets --json --state LISTEN --port 8081 | json_get '["sockets"].__len__()')
    [ "$listeners" = 1 ] || fail "nginx's 0.0.0.0 listener is not on shuntd ($listeners)"
    kill -QUIT "$(cat "$TMPDIR_E2E/any.pid")"
    for _ in $(seq 50); do [ -e "$TMPDIR_E2E/any.pid" ] || break; sleep 0.1; done

    note "SHUNT_BIND_ANY=kernel keeps it on the kernel"
    SHUNT_BIND_ANY=kernel "$SHUNT" run -- nginx -c "$TMPDIR_E2E/any.conf" -e "$TMPDIR_E2E/any.err" &
    for _ in $(seq 50); do peer curl -s -o /dev/null "http://$SHUNT_LAB_KERNEL_IP:8081/" && break; sleep 0.1; done
    sleep 0.3
    listeners=$("$SHUNTCTL" sockets --json --state LISTEN --port 8081 | json_get '["sockets"].__len__()')
    [ "$listeners" = 0 ] || fail "SHUNT_BIND_ANY=kernel still listened on shuntd"
    kill -QUIT "$(cat "$TMPDIR_E2E/any.pid")"
    for _ in $(seq 50); do [ -e "$TMPDIR_E2E/any.pid" ] || break; sleep 0.1; done
fi
