#!/usr/bin/env bash
# redis-server under shunt: redis-cli and redis-benchmark on the peer host
# get the right answers, and redis-cli under shunt reaches it too (an app
# under shunt talking to another through the daemon's own address).
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
command -v redis-server >/dev/null || skip "redis-server is not installed"
command -v redis-benchmark >/dev/null || skip "redis-tools is not installed"
lab_lock
lab_start tredis 238
peer() { "$SHUNT" lab peer -- "$@"; }

"$SHUNT" run -- redis-server --bind "$SHUNT_LAB_DAEMON_IP" --port 6379 --save "" --appendonly no \
    --protected-mode no --dir "$TMPDIR_E2E" > "$TMPDIR_E2E/redis.log" 2>&1 &
for _ in $(seq 50); do peer redis-cli -h "$SHUNT_LAB_DAEMON_IP" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done

note "redis-cli on the peer"
[ "$(peer redis-cli -h "$SHUNT_LAB_DAEMON_IP" set greeting "hello shunt")" = OK ] || fail "SET"
[ "$(peer redis-cli -h "$SHUNT_LAB_DAEMON_IP" get greeting)" = "hello shunt" ] || fail "GET"
big=$(head -c 300000 /dev/urandom | base64 -w0)
peer redis-cli -h "$SHUNT_LAB_DAEMON_IP" -x set big <<<"$big" >/dev/null || fail "SET of 400 KB"
[ "$(peer redis-cli -h "$SHUNT_LAB_DAEMON_IP" get big)" = "$big" ] || fail "400 KB value came back different"

note "redis-benchmark on the peer: 20000 requests, 20 connections"
out=$(peer redis-benchmark -h "$SHUNT_LAB_DAEMON_IP" -n 20000 -c 20 -t set,get -q 2>&1 | tr '\r' '\n') || fail "redis-benchmark"
grep -q "^SET: .* requests per second" <<<"$out" || fail "no SET figure: $out"
grep -q "^GET: .* requests per second" <<<"$out" || fail "no GET figure: $out"
[ "$(peer redis-cli -h "$SHUNT_LAB_DAEMON_IP" dbsize)" -ge 2 ] || fail "dbsize"

note "redis-cli under shunt, to the server under shunt"
[ "$("$SHUNT" run -- redis-cli -h "$SHUNT_LAB_DAEMON_IP" get greeting)" = "hello shunt" ] || \
    fail "redis-cli under shunt"
