#!/usr/bin/env bash
# iperf3 through shunt, each direction: the server under shunt with the
# client on the peer host, then the client under shunt (sending, and with -R
# receiving) against a server on the peer host. Each run must move data and
# exit 0; the figures are for ./dev bench, not checked here.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
command -v iperf3 >/dev/null || skip "iperf3 is not installed"
lab_lock
lab_start tiperf 237
peer() { "$SHUNT" lab peer -- "$@"; }
received() { python3 -c "import json,sys; print(int(json.load(open(sys.argv[1]))['end']['sum_received']['bytes']))" "$1"; }

note "server under shunt, client on the peer"
"$SHUNT" run -- iperf3 -s -B "$SHUNT_LAB_DAEMON_IP" -p 5201 -1 > "$TMPDIR_E2E/s1" 2>&1 &
srv=$!
sleep 0.5
peer iperf3 -c "$SHUNT_LAB_DAEMON_IP" -p 5201 -t 2 -J > "$TMPDIR_E2E/c1" || fail "iperf3 client: $(tail -5 "$TMPDIR_E2E/c1")"
wait $srv || fail "iperf3 server under shunt: $(tail -5 "$TMPDIR_E2E/s1")"
[ "$(received "$TMPDIR_E2E/c1")" -gt 10000000 ] || fail "too little received"

for dir in "" -R; do
    note "client under shunt ${dir:-sending}, server on the peer"
    peer iperf3 -s -B "$SHUNT_LAB_PEER_IP" -p 5202 -1 > "$TMPDIR_E2E/s2" 2>&1 &
    srv=$!
    sleep 0.5
    "$SHUNT" run -- iperf3 -c "$SHUNT_LAB_PEER_IP" -p 5202 -t 2 $dir -J > "$TMPDIR_E2E/c2" || \
        fail "iperf3 client under shunt $dir: $(tail -5 "$TMPDIR_E2E/c2")"
    wait $srv || fail "iperf3 server on the peer"
    [ "$(received "$TMPDIR_E2E/c2")" -gt 10000000 ] || fail "too little received ($dir)"
done
