#!/usr/bin/env bash
# A client that reuses its port right after the server closed first reaches
# a server under shunt at once, as it reaches a kernel server: the server's
# side of each connection is in TIME_WAIT, and a new SYN whose sequence
# number is after the old connection's is a new connection there (RFC 6191;
# Linux tcp_timewait_state_process), not an ACK the client must reset and
# retry a second later (issue: nginx with short connections collapsed to
# ~70 requests/s). Kernel first (the oracle), then through shunt.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start ttw 249
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
peer() { "$SHUNT" lab peer -- "$@"; }

# run_side NAME IP RUN...: 5 connections from one client port to a
# close-first server on IP, started with RUN.
run_side() {
    local name=$1 ip=$2 port=7500 out srv
    shift 2
    "$@" python3 "$PROGS/close_first_server.py" "$ip" $port 5 > "$TMPDIR_E2E/srv-$name" 2>&1 &
    srv=$!
    for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/srv-$name" && break; sleep 0.1; done
    grep -q "listening $ip $port" "$TMPDIR_E2E/srv-$name" || fail "$name server: $(cat "$TMPDIR_E2E/srv-$name")"
    out=$(peer timeout 60 python3 "$PROGS/same_port_client.py" "$ip" $port 45123 5) || fail "$name: $out"
    [ "$out" = "ok 5" ] || fail "$name: $out"
    wait $srv || fail "$name server exit: $(cat "$TMPDIR_E2E/srv-$name")"
}

note "kernel server: each reconnect from the same port is taken at once"
run_side kernel "$SHUNT_LAB_KERNEL_IP"
note "server under shunt: the same"
run_side shunt "$SHUNT_LAB_DAEMON_IP" "$SHUNT" run --
# The connections really were shuntd's: its TCP counted the passive opens.
sleep 0.3
opens=$("$SHUNTCTL" stats --json | json_get '["tcp"]["passive_opens"]') || opens=0
[ "${opens:-0}" -ge 5 ] || fail "shuntd counted $opens passive opens, not 5"
echo PASS
