#!/usr/bin/env bash
# shuntctl against live connections: `sockets` lists exactly the sockets an
# app holds (protocol, state, addresses, queues, pid and fd) and its filters
# select them; `stats --reset` starts the counters at zero and the UDP
# counter then equals the datagrams the test sent (and martian frames are
# dropped before lwIP, in the port's rx_drops); `apps` counts the
# sockets and the syscall hook's patch counts; `metrics` parses under Prometheus's own text parser and agrees;
# `watch` refreshes; per-command help; a user outside the admin group is
# refused by the new commands too.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start tctl 242
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
peer() { "$SHUNT" lab peer -- "$@"; }
SYSPY=/usr/bin/python3  # Debian's python, where python3-prometheus-client lives

note "per-command help"
"$SHUNTCTL" sockets --help | grep -q -- "--state STATE" || fail "sockets --help"
"$SHUNTCTL" stats --help | grep -q -- "--reset" || fail "stats --help"
rc=0; "$SHUNTCTL" apps --state ESTAB >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "a sockets-only option on apps: exit $rc, not 2"

note "an app holding known sockets"
peer python3 "$PROGS/echo_server.py" "$SHUNT_LAB_PEER_IP" 7000 3 --threads > "$TMPDIR_E2E/echo" 2>&1 &
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/echo" && break; sleep 0.1; done
mkfifo "$TMPDIR_E2E/hold_in"
"$SHUNT" run -- python3 "$PROGS/socket_holder.py" "$SHUNT_LAB_DAEMON_IP" 7300 "$SHUNT_LAB_PEER_IP" 7000 7301 7302 \
    < "$TMPDIR_E2E/hold_in" > "$TMPDIR_E2E/hold" 2>&1 &
holder=$!
exec 8> "$TMPDIR_E2E/hold_in"  # the holder runs until this closes
for _ in $(seq 100); do grep -q ready "$TMPDIR_E2E/hold" && break; sleep 0.1; done
grep -q ready "$TMPDIR_E2E/hold" || fail "holder: $(cat "$TMPDIR_E2E/hold")"
fds=$(grep '^fds' "$TMPDIR_E2E/hold")
pid=$(pgrep -f "socket_holder.py $SHUNT_LAB_DAEMON_IP" | head -1)
[ -n "$pid" ] || fail "holder's pid"

note "stats --reset, then 5 datagrams from the peer"
out=$("$SHUNTCTL" stats --reset) || fail "stats --reset: $out"
[ "$out" = "shuntctl: counters reset" ] || fail "stats --reset said: $out"
"$SHUNTCTL" stats --json | json_get '["since_reset"]' | grep -qx True || fail "stats not marked since_reset"
peer python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5): s.sendto(b'd' * 100, ('$SHUNT_LAB_DAEMON_IP', 7302))
"
note "3 martian datagrams (from shuntd's own address) are dropped before lwIP, and counted"
peer python3 "$PROGS/spoof_udp.py" "$SHUNT_LAB_DAEMON_IP" 7302 3 | grep -qx "sent 3" || fail "spoof_udp"
sleep 0.5  # the workers publish counters every 100 ms; the echoes to land
udp_recv=$("$SHUNTCTL" stats --json | python3 -c '
import json, sys
print([p for p in json.load(sys.stdin)["protocols"] if p["name"] == "udp"][0]["recv"])')
[ "$udp_recv" = 5 ] || fail "udp recv since reset is $udp_recv, not the 5 datagrams sent (the martians reached lwIP?)"
rx_drops=$("$SHUNTCTL" stats --json | python3 -c '
import json, sys
print(sum(p["rx_drops"] for p in json.load(sys.stdin)["ports"]))')
[ "$rx_drops" -ge 3 ] || fail "rx_drops since reset is $rx_drops, not at least the 3 martians"
"$SHUNTCTL" stats | grep -q "^TCP  retransmitted" || fail "stats lacks the TCP retransmission line"
"$SHUNTCTL" stats | grep -q "^UDP  datagrams 5 received" || fail "stats' UDP line: $("$SHUNTCTL" stats | grep ^UDP)"

note "shuntctl sockets --json lists exactly what the app holds"
"$SHUNTCTL" sockets --json > "$TMPDIR_E2E/sockets.json" || fail "shuntctl sockets"
python3 - "$TMPDIR_E2E/sockets.json" "$pid" "$fds" "$SHUNT_LAB_DAEMON_IP" "$SHUNT_LAB_PEER_IP" <<'PY' || fail "sockets: $(cat "$TMPDIR_E2E/sockets.json")"
import json, sys
doc = json.load(open(sys.argv[1]))
pid, fds, me, peer = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
f = dict(kv.split("=") for kv in fds.split()[1:])
assert doc["complete"] is True, doc
mine = [s for s in doc["sockets"] if s["pid"] == pid]
assert len(mine) == 6, mine
for s in mine:
    for k in ("proto", "state", "local", "peer", "pid", "fd", "rx_queue", "tx_queue"):
        assert k in s, (k, s)
by_fd = {s["fd"]: s for s in mine}
l = by_fd[int(f["listener"])]
assert (l["proto"], l["state"], l["local"]) == ("tcp", "LISTEN", me + ":7300"), l
for fd in f["conns"].split(","):
    c = by_fd[int(fd)]
    assert (c["proto"], c["state"], c["peer"]) == ("tcp", "ESTAB", peer + ":7000"), c
    assert c["local"].startswith(me + ":"), c
    assert c["rx_queue"] == 1000, c   # the echo, unread
    assert c["tx_queue"] == 0, c      # everything sent was acknowledged
u = by_fd[int(f["udp_connected"])]
assert (u["proto"], u["state"], u["peer"]) == ("udp", "ESTAB", peer + ":7301"), u
b = by_fd[int(f["udp_bound"])]
assert (b["proto"], b["state"], b["local"], b["peer"]) == ("udp", "UNCONN", me + ":7302", "0.0.0.0:0"), b
assert b["rx_queue"] >= 500, b        # five unread 100-byte datagrams
print("ok")
PY
count() { "$SHUNTCTL" sockets --json "$@" | json_get '["sockets"].__len__()'; }
[ "$(count --state LISTEN)" = 1 ] || fail "--state LISTEN"
[ "$(count --proto udp)" = 2 ] || fail "--proto udp"
[ "$(count --port 7302)" = 1 ] || fail "--port 7302"
[ "$(count --port 7000)" = 3 ] || fail "--port 7000 (peer port)"
[ "$(count --pid 1)" = 0 ] || fail "--pid 1"
"$SHUNTCTL" sockets | grep -q "ESTAB .* pid=$pid,fd=" || fail "sockets table: $("$SHUNTCTL" sockets)"
n=$("$SHUNTCTL" apps --json | python3 -c "
import json, sys
a = [a for a in json.load(sys.stdin)['apps'] if a['pid'] == $pid][0]
# The syscall hook's report, as the app made it (on by default).
assert a['syscall_hook'] is True and a['syscall_sites_patched'] > 100, a
print(a['sockets'])")
[ "$n" = 6 ] || fail "shuntctl apps says $n sockets, not 6 (or no syscall hook report)"
"$SHUNTCTL" apps | grep -q " patched " || fail "the apps table lacks the syscall hook column: $("$SHUNTCTL" apps)"

note "metrics parse as Prometheus text and agree"
"$SHUNTCTL" metrics > "$TMPDIR_E2E/metrics.txt" || fail "shuntctl metrics"
$SYSPY - "$TMPDIR_E2E/metrics.txt" <<'PY' || fail "metrics: $(head -40 "$TMPDIR_E2E/metrics.txt")"
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
fams = {f.name: f for f in text_string_to_metric_families(text)}
for line in text.splitlines():
    if line.startswith("# TYPE"):
        name, kind = line.split()[2:4]
        assert name.startswith("shunt_"), line
        assert kind != "counter" or name.endswith("_total"), line
def value(name, **labels):
    fam = fams[name]
    for s in fam.samples:
        if all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    raise KeyError((name, labels))
assert value("shunt_apps") == 1
assert value("shunt_sockets", proto="tcp", state="ESTAB") == 3
assert value("shunt_sockets", proto="udp", state="UNCONN") == 1
assert value("shunt_lwip_recv", proto="udp") == 5      # the parser strips _total
assert value("shunt_udp_in_datagrams") == 5            # lwIP's MIB-2 view of the same
assert value("shunt_tcp_out_segs") >= 0 and value("shunt_tcp_retrans_segs") >= 0  # idle since the reset
assert value("shunt_port_rx_packets") > 0
assert value("shunt_pool_available", pool="mbuf") > 0
print("ok")
PY

note "watch refreshes"
out=$("$SHUNTCTL" watch --interval 0.2 --count 2) || fail "watch: $out"
[ "$(grep -c '^PORT' <<<"$out")" = 2 ] || fail "watch did not refresh twice: $out"
grep -q "SOCKETS 6" <<<"$out" || fail "watch: $out"

note "a user outside the admin group is refused"
if id nobody >/dev/null 2>&1; then
    for c in sockets metrics; do
        rc=0; out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$SHUNTCTL" $c 2>&1) || rc=$?
        [ $rc = 4 ] || fail "nobody got exit $rc from $c: $out"
    done
fi

exec 8>&-
wait $holder || fail "holder exited non-zero: $(cat "$TMPDIR_E2E/hold")"
