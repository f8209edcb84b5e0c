#!/usr/bin/env bash
# SHUNT_SPIN_US on data waits: a blocking recv whose bytes arrive within the
# spin (200 ms later, the spin 3 s) gets them from the ring without a system
# call on its socket; without the spin it sleeps in the kernel on the notify
# fd. Counted with strace (recvfrom, poll, ppoll on any fd), not timed.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
command -v strace >/dev/null || skip "strace not installed"
lab_lock
lab_start tspin 236
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"

# The peer: accepts one connection, sends "01234", 200 ms later "56789".
"$SHUNT" lab peer -- python3 -c '
import socket, sys, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 7700)); l.listen(4); print("listening", flush=True)
while True:
    c, _ = l.accept(); c.sendall(b"01234"); time.sleep(0.2); c.sendall(b"56789"); c.recv(1); c.close()
' > "$TMPDIR_E2E/peer" 2>&1 &
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/peer" && break; sleep 0.1; done

# client SPIN: the two reads under strace; prints the reads, then how many
# socket waits the kernel saw after the connection was up.
client() {
    env SHUNT_SPIN_US="$1" "$SHUNT" run -- strace -f -qq -o "$TMPDIR_E2E/trace-$1" -e trace=recvfrom,poll,ppoll,close \
        python3 -c '
import os, socket, sys
s = socket.create_connection((sys.argv[1], 7700))
try:
    os.close(555)  # a mark in the trace (EBADF): the reads follow
except OSError:
    pass
a = s.recv(16); b = s.recv(16)
print(a.decode(), b.decode()); s.close()' "$SHUNT_LAB_PEER_IP"
    # Calls between the mark and the end of the reads (the close follows them).
    awk '/close\(555\)/ { on = 1; next } on && /recvfrom|poll/ { n++ } END { print n + 0 }' "$TMPDIR_E2E/trace-$1"
}

note "blocking recv, SHUNT_SPIN_US=3000000: no socket system call"
out=$(client 3000000) || fail "client: $out"
[ "$(head -n1 <<<"$out")" = "01234 56789" ] || fail "client read: $out"
[ "$(tail -n1 <<<"$out")" = 0 ] || fail "with the spin the kernel saw $(tail -n1 <<<"$out") waits: $(grep -E 'recvfrom|poll' "$TMPDIR_E2E/trace-3000000")"

note "blocking recv, no spin: it sleeps in the kernel"
out=$(client 0) || fail "client: $out"
[ "$(head -n1 <<<"$out")" = "01234 56789" ] || fail "client read: $out"
[ "$(tail -n1 <<<"$out")" -ge 1 ] || fail "without the spin no wait reached the kernel"
echo PASS
