#!/usr/bin/env bash
# shuntctl capture: a capture of a known exchange through shuntd's port is a
# pcap file tcpdump reads, holding exactly the packets the filter asked for
# (both directions); the line view prints them; -w - streams to a pipe;
# a bad filter is a usage error; a second capture while one runs is refused.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
lab_lock
lab_start tcap 245
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
peer() { "$SHUNT" lab peer -- "$@"; }

rc=0; out=$("$SHUNTCTL" capture 'tcp port' 2>&1) || rc=$?
[ $rc = 2 ] || fail "a bad filter: exit $rc ($out)"
grep -q "bad capture filter" <<<"$out" || fail "bad filter message: $out"

note "capture UDP port 7500 to a file while 10 datagrams go each way"
"$SHUNTCTL" capture -w "$TMPDIR_E2E/cap.pcap" -c 20 udp port 7500 2> "$TMPDIR_E2E/cap.err" &
cap=$!
for _ in $(seq 50); do grep -q . "$TMPDIR_E2E/cap.err" 2>/dev/null && break; sleep 0.1; done
sleep 0.3
rc=0; out=$("$SHUNTCTL" capture -c 1 2>&1) || rc=$?
[ $rc = 1 ] && grep -q "already running" <<<"$out" || fail "a second capture: exit $rc ($out)"
peer python3 -c "
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(('$SHUNT_LAB_PEER_IP', 7500))
for i in range(10):
    d, a = u.recvfrom(100)
    u.sendto(d.upper(), a)
" &
echo_pid=$!
sleep 0.3
out=$("$SHUNT" run -- python3 -c "
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(('$SHUNT_LAB_PEER_IP', 7500))
u.settimeout(5)
got = []
for i in range(10):
    u.send(b'ping %d' % i)
    got.append(u.recv(100))
print(len(got), got[0].decode())
") || fail "udp exchange: $out"
[ "$out" = "10 PING 0" ] || fail "udp exchange: $out"
wait $echo_pid
for _ in $(seq 50); do kill -0 $cap 2>/dev/null || break; sleep 0.1; done
kill -0 $cap 2>/dev/null && fail "capture did not stop after 20 packets: $(cat "$TMPDIR_E2E/cap.err")"
wait $cap || fail "capture exited non-zero: $(cat "$TMPDIR_E2E/cap.err")"
grep -q "^20 packets captured" "$TMPDIR_E2E/cap.err" || fail "capture: $(cat "$TMPDIR_E2E/cap.err")"
lines=$(tcpdump -nn -q -r "$TMPDIR_E2E/cap.pcap" 2>/dev/null) || fail "tcpdump cannot read the capture"
[ "$(wc -l <<<"$lines")" = 20 ] || fail "tcpdump read $(wc -l <<<"$lines") packets, not 20: $lines"
[ "$(grep -c "> $SHUNT_LAB_PEER_IP.7500: UDP, length 6" <<<"$lines")" = 10 ] || fail "not the 10 sent: $lines"
[ "$(grep -c "$SHUNT_LAB_PEER_IP.7500 > $SHUNT_LAB_DAEMON_IP.[0-9]*: UDP, length 6" <<<"$lines")" = 10 ] || fail "not the 10 received: $lines"

note "line view and -w - while pinging shuntd"
"$SHUNTCTL" capture -c 4 icmp > "$TMPDIR_E2E/lines" 2>/dev/null &
cap=$!
sleep 0.5
peer ping -q -c 3 -i 0.2 "$SHUNT_LAB_DAEMON_IP" > /dev/null
for _ in $(seq 50); do kill -0 $cap 2>/dev/null || break; sleep 0.1; done
wait $cap || fail "line capture failed"
[ "$(grep -c "ICMP type" "$TMPDIR_E2E/lines")" = 4 ] || fail "line view: $(cat "$TMPDIR_E2E/lines")"
grep -q "IP $SHUNT_LAB_PEER_IP > $SHUNT_LAB_DAEMON_IP: ICMP type 8" "$TMPDIR_E2E/lines" || fail "line view: $(cat "$TMPDIR_E2E/lines")"
"$SHUNTCTL" capture -w - -c 2 icmp 2>/dev/null > "$TMPDIR_E2E/stream.pcap" &
cap2=$!
sleep 0.5
peer ping -q -c 2 -i 0.2 "$SHUNT_LAB_DAEMON_IP" > /dev/null
for _ in $(seq 50); do kill -0 $cap2 2>/dev/null || break; sleep 0.1; done
wait $cap2 || fail "-w - failed"
[ "$(tcpdump -nn -r "$TMPDIR_E2E/stream.pcap" 2>/dev/null | wc -l)" = 2 ] || fail "-w - did not stream 2 packets"
