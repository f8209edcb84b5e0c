#!/usr/bin/env bash
# Real programs, byte-exact, both directions of acceleration:
#   - nginx under shunt (epoll, edge-triggered, sendfile, keep-alive, a
#     forked worker) serves a 10 MiB file and a keep-alive pair of requests
#     to curl on the peer host;
#   - curl under shunt downloads the same file from nginx on the peer host.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
command -v nginx >/dev/null || skip "nginx is not installed"
command -v curl >/dev/null || skip "curl is not installed"
lab_lock
lab_start tngx 236
peer() { "$SHUNT" lab peer -- "$@"; }

www="$TMPDIR_E2E/www"
mkdir -p "$www"
head -c 10485760 /dev/urandom > "$www/big.bin"
echo hello > "$www/index.html"
want=$(sha256sum < "$www/big.bin")
. "$SHUNT_SRC_DIR/tests/e2e/progs/nginx_conf.sh"
wait_port() {  # wait_port HOST PORT [netns-runner]
    for _ in $(seq 50); do
        "$@" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

note "nginx under shunt, curl on the peer"
nginx_conf "$SHUNT_LAB_DAEMON_IP" 8080 shunt "$www" "$TMPDIR_E2E" > "$TMPDIR_E2E/shunt.conf"
"$SHUNT" run -- nginx -c "$TMPDIR_E2E/shunt.conf" -e "$TMPDIR_E2E/shunt.err" &
wait_port peer curl -s -o /dev/null "http://$SHUNT_LAB_DAEMON_IP:8080/index.html" || \
    fail "nginx under shunt does not answer: $(cat "$TMPDIR_E2E/shunt.err")"
info=$(peer curl -s -m 30 -o "$TMPDIR_E2E/got.bin" -w '%{http_code} %{size_download}' "http://$SHUNT_LAB_DAEMON_IP:8080/big.bin")
cmp -s "$TMPDIR_E2E/got.bin" "$www/big.bin" || fail "10 MiB from nginx under shunt differs (curl: $info; $(cmp "$TMPDIR_E2E/got.bin" "$www/big.bin" 2>&1))"
two=$(peer curl -s -m 10 "http://$SHUNT_LAB_DAEMON_IP:8080/index.html" "http://$SHUNT_LAB_DAEMON_IP:8080/index.html")
[ "$two" = "$(printf 'hello\nhello')" ] || fail "keep-alive pair: '$two'"
grep -q "closed keepalive connection" "$TMPDIR_E2E/shunt.err" || fail "the two requests did not share a connection"
kill -QUIT "$(cat "$TMPDIR_E2E/shunt.pid")"

note "curl under shunt, nginx on the peer"
nginx_conf "$SHUNT_LAB_PEER_IP" 8080 peer "$www" "$TMPDIR_E2E" > "$TMPDIR_E2E/peer.conf"
peer nginx -c "$TMPDIR_E2E/peer.conf" -e "$TMPDIR_E2E/peer.err" &
wait_port peer curl -s -o /dev/null "http://$SHUNT_LAB_PEER_IP:8080/index.html" || fail "nginx on the peer"
got=$("$SHUNT" run -- curl -s -m 30 "http://$SHUNT_LAB_PEER_IP:8080/big.bin" | sha256sum)
[ "$got" = "$want" ] || fail "10 MiB through curl under shunt differs"
kill -QUIT "$(cat "$TMPDIR_E2E/peer.pid")"
wait
