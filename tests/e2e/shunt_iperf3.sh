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
# iperf3 -J can exit 0 after an error: the JSON says so.
ok_json() { python3 -c "import json,sys; sys.exit(1 if json.load(open(sys.argv[1])).get('error') else 0)" "$1" 2>/dev/null; }
# listening_on HOST_CMD PORT: until something listens there (10 s at most),
# not a fixed pause: a loaded machine may take longer to start a server.
listening_on() {
    local i
    for i in $(seq 100); do
        "${@:1:$#-1}" ss -Hltn "sport = :${!#}" 2>/dev/null | grep -q LISTEN && return 0
        sleep 0.1
    done
    return 1
}

note "server under shunt, client on the peer"
"$SHUNT" run -- iperf3 -s -B "$SHUNT_LAB_DAEMON_IP" -p 5201 -1 > "$TMPDIR_E2E/s1" 2>&1 &
srv=$!
for _ in $(seq 100); do "$SHUNTCTL" sockets 2>/dev/null | grep -q "LISTEN .*:5201 " && break; sleep 0.1; done
{ peer iperf3 -c "$SHUNT_LAB_DAEMON_IP" -p 5201 -t 2 -J > "$TMPDIR_E2E/c1" && ok_json "$TMPDIR_E2E/c1"; } || \
    fail "iperf3 client: $(tail -5 "$TMPDIR_E2E/c1")"
wait $srv || fail "iperf3 server under shunt: $(tail -5 "$TMPDIR_E2E/s1")"
[ "$(received "$TMPDIR_E2E/c1")" -gt 10000000 ] || fail "too little received"

for dir in "" -R; do
    note "client under shunt ${dir:-sending}, server on the peer"
    peer iperf3 -s -B "$SHUNT_LAB_PEER_IP" -p 5202 -1 > "$TMPDIR_E2E/s2" 2>&1 &
    srv=$!
    listening_on peer 5202 || fail "the peer's iperf3 server did not listen"
    { "$SHUNT" run -- iperf3 -c "$SHUNT_LAB_PEER_IP" -p 5202 -t 2 $dir -J > "$TMPDIR_E2E/c2" && ok_json "$TMPDIR_E2E/c2"; } || \
        fail "iperf3 client under shunt $dir: $(tail -5 "$TMPDIR_E2E/c2")"
    wait $srv || fail "iperf3 server on the peer"
    [ "$(received "$TMPDIR_E2E/c2")" -gt 10000000 ] || fail "too little received ($dir)"
done
