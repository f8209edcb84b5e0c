#!/usr/bin/env bash
# An idle shuntd sleeps and loses nothing (--poll-mode adaptive, the default;
# docs/architecture.md): with no traffic its worker spends most of its time
# asleep, woken by the port's RX socket (status: RX-WAKE socket on AF_XDP);
# after a second of silence the first ping is answered, an app's first call
# (a connect) completes, and a peer's bytes to an accelerated server that
# waited a second between requests are echoed each time; the worker's
# counters show sleeps ended by both the port and an app.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start tidle 248
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
peer() { "$SHUNT" lab peer -- "$@"; }
worker() { "$SHUNTCTL" stats --json | json_get "[\"workers\"][0][\"$1\"]"; }

st=$("$SHUNTCTL" status --json) || fail "status --json"
wake=$(json_get '["ports"][0]["rx_wake"]' <<<"$st")
[ "$wake" = socket ] || [ "$wake" = interrupt ] || fail "the port has no RX wake-up: $wake"
[ "$(json_get '["workers"][0]["poll_mode"]' <<<"$st")" = adaptive ] || fail "default poll mode: $st"

note "idle: the worker is asleep most of the time"
sleep 2
ratio=$(worker sleep_ratio)
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0.5 else 1)" "$ratio" || fail "asleep only $ratio of the time"

note "after 1 s of silence, each first ping is answered"
out=$(peer ping -n -c 3 -i 1 -W 1 "$SHUNT_LAB_DAEMON_IP") || fail "ping: $out"
grep -q "3 packets transmitted, 3 received" <<<"$out" || fail "pings lost: $out"
[ "$(worker wakes_port)" -ge 1 ] || fail "no sleep was ended by the port"

note "after 1 s of silence, an app's send wakes the worker"
peer python3 "$PROGS/echo_server.py" "$SHUNT_LAB_PEER_IP" 7300 1 > "$TMPDIR_E2E/srv1" 2>&1 &
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/srv1" && break; sleep 0.1; done
before=$(worker wakes_app)
# Each pause lets the worker fall asleep; the send's doorbell wakes it.
out=$(timeout 30 "$SHUNT" run -- python3 "$PROGS/spaced_echo_client.py" "$SHUNT_LAB_PEER_IP" 7300 3 1.2) || fail "app after idle: $out"
[ "$out" = ok ] || fail "app after idle: $out"
[ "$(worker wakes_app)" -gt "$before" ] || fail "no sleep was ended by the app"

note "an accelerated server answers requests that come a second apart"
"$SHUNT" run -- python3 "$PROGS/echo_server.py" "$SHUNT_LAB_DAEMON_IP" 7400 1 > "$TMPDIR_E2E/srv2" 2>&1 &
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/srv2" && break; sleep 0.1; done
grep -q "listening $SHUNT_LAB_DAEMON_IP 7400" "$TMPDIR_E2E/srv2" || fail "server under shunt: $(cat "$TMPDIR_E2E/srv2")"
out=$(peer timeout 30 python3 "$PROGS/spaced_echo_client.py" "$SHUNT_LAB_DAEMON_IP" 7400 3 1.2) || fail "idle-spaced requests: $out"
[ "$out" = ok ] || fail "idle-spaced requests: $out"
echo PASS
