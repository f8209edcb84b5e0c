#!/usr/bin/env bash
# Issue 20 item 12: io_uring on a socket. A ring reads and writes fds inside
# the kernel, past libshunt: on an accelerated socket's fd (its notify
# socket) it read shuntd's signals and wrote where nobody reads, so a
# liburing echo hung. Now a process either uses io_uring, and all its
# sockets stay on the kernel, or has accelerated sockets and no ring
# (preload/io_uring_guard.hpp):
#   (a) a liburing program (connect, then the ring, every byte through it):
#       liburing is loaded, so its socket stays on the kernel and echoes;
#   (b) a ring made with libc's syscall(SYS_io_uring_setup) before the
#       connect: the syscall hook marks the process, the socket stays on the
#       kernel and echoes through the ring;
#   (c) the ring asked for after an accelerated connect: EPERM (the kernel
#       makes it), and plain send/recv echo on; the same through a raw
#       `syscall` instruction with SHUNT_SUD=1;
#   (d) SHUNT_IO_URING=files makes the ring beside the accelerated socket;
#       a value it does not know is an error on stderr and means kernel.
# Each program runs on the kernel first (the oracle), then under shunt. The
# peer's address is its kernel-link one, which shuntd reaches through its
# gateway (the peer's wire address) when SHUNT_ACCELERATE_NETS names it, and
# the kernel through its own link: a socket gets the same echo either way,
# and shuntd's count of active opens says which way it went.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
PROGS="$SHUNT_BUILD_DIR/tests/security/progs"
[ -x "$PROGS/ring_echo" ] || fail "$PROGS/ring_echo is not built (make)"
lab_lock
export SHUNT_LAB_SHUNTD_ARGS="--gateway 10.253.1.2"
lab_start tiou 253
[ "$SHUNT_LAB_PEER_IP" = 10.253.1.2 ] || fail "the lab's peer is $SHUNT_LAB_PEER_IP, not the gateway given"
IP=$SHUNT_LAB_KERNEL_PEER_IP
SHUNT_RUN=(env SHUNT_LOG=info SHUNT_ACCELERATE_NETS="${IP%.*}.0/24" "$SHUNT" run --)
peer() { "$SHUNT" lab peer -- "$@"; }
# shuntd's TCP active opens (the workers publish their counts every 100 ms).
opens() { sleep 0.3; "$SHUNTCTL" stats --json | json_get '["tcp"]["active_opens"]'; }

# run NAME CMD...: CMD IP PORT against an echo server of its own on the
# peer; OUT is what it printed, ERR the file of its stderr, RC its status.
port=7700
run() {
    local name=$1 i
    shift
    port=$((port + 1))
    peer python3 "$SHUNT_SRC_DIR/tests/e2e/progs/echo_server.py" 0.0.0.0 "$port" 1 >"$TMPDIR_E2E/peer-$name" 2>&1 &
    for i in $(seq 50); do
        grep -q listening "$TMPDIR_E2E/peer-$name" && break
        sleep 0.1
    done
    grep -q listening "$TMPDIR_E2E/peer-$name" || fail "$name: the echo server: $(cat "$TMPDIR_E2E/peer-$name")"
    ERR="$TMPDIR_E2E/err-$name"
    RC=0
    OUT=$(timeout 30 "$@" "$IP" "$port" 2>"$ERR") || RC=$?
    note "$name (exit $RC):"$'\n'"$OUT"
}

# same NAME KERNEL_OUT: the shunt run (OUT, RC) saw what the kernel's did.
same() {
    [ "$OUT" = "$2" ] || fail "$1: through shunt"$'\n'"$OUT"$'\n'"on the kernel"$'\n'"$2"$'\n'"stderr: $(cat "$ERR")"
    [ "$RC" = 0 ] || fail "$1: exit $RC through shunt; stderr: $(cat "$ERR")"
}
said() { grep -qF -- "$2" "$ERR" || fail "$1: libshunt did not say '$2'; stderr: $(cat "$ERR")"; }

ECHO_RING="connect: ok
ring: ok
send: 23
recv: 23 'io_uring through shunt!'
write: 23
read: 23 'read and write by ring.'"

# (a) liburing.
have_liburing=0
if [ -x "$PROGS/uring_echo" ]; then
    have_liburing=1
    run a-kernel "$PROGS/uring_echo"
    [ "$RC" = 0 ] && [ "$OUT" = "$ECHO_RING" ] || fail "a: the kernel's echo through liburing"
    before=$(opens)
    run a-shunt "${SHUNT_RUN[@]}" "$PROGS/uring_echo"
    same a "$ECHO_RING"
    said a "liburing.so.2 is loaded: every socket of this process stays on the kernel"
    n=$(opens); [ "$n" = "$before" ] || fail "a: the socket went to shuntd ($before, then $n active opens)"
fi

# (b) libc's syscall(SYS_io_uring_setup) before the connect.
BEFORE_RING="ring: ok
connect: ok
send: 23
recv: 23 'io_uring through shunt!'
write: 23
read: 23 'read and write by ring.'"
run b-kernel "$PROGS/ring_echo" before
[ "$RC" = 0 ] && [ "$OUT" = "$BEFORE_RING" ] || fail "b: the kernel's echo through the ring"
before=$(opens)
run b-shunt "${SHUNT_RUN[@]}" "$PROGS/ring_echo" before
same b "$BEFORE_RING"
said b "io_uring_setup: this process uses io_uring; its sockets stay on the kernel from now on"
n=$(opens); [ "$n" = "$before" ] || fail "b: the socket went to shuntd ($before, then $n active opens)"

# (c) the ring after an accelerated connect: EPERM, and the socket echoes on.
AFTER="connect: ok
ring: ok
send: 23
recv: 23 'io_uring through shunt!'"
REFUSED=${AFTER/ring: ok/ring: Operation not permitted}
for mode in after after-raw; do
    run "c-$mode-kernel" "$PROGS/ring_echo" "$mode"
    [ "$RC" = 0 ] && [ "$OUT" = "$AFTER" ] || fail "c: the kernel's ring and echo ($mode)"
done
before=$(opens)
run c-shunt "${SHUNT_RUN[@]}" "$PROGS/ring_echo" after
same c "$REFUSED"
said c "io_uring_setup refused (EPERM): this process has accelerated sockets"
n=$(opens); [ "$n" = $((before + 1)) ] || fail "c: the socket was not shuntd's ($before, then $n active opens)"
run c-sud env SHUNT_SUD=1 "${SHUNT_RUN[@]}" "$PROGS/ring_echo" after-raw
same c-sud "$REFUSED"
said c-sud "io_uring_setup refused (EPERM)"
n=$(opens); [ "$n" = $((before + 2)) ] || fail "c-sud: the socket was not shuntd's ($before, then $n active opens)"

# (d) SHUNT_IO_URING=files: the ring beside an accelerated socket; a bad value.
run d-files env SHUNT_IO_URING=files "${SHUNT_RUN[@]}" "$PROGS/ring_echo" after
same d-files "$AFTER"
n=$(opens); [ "$n" = $((before + 3)) ] || fail "d-files: the socket was not shuntd's ($before, then $n active opens)"
run d-bad env SHUNT_IO_URING=sometimes "${SHUNT_RUN[@]}" "$PROGS/ring_echo" after
same d-bad "$REFUSED"
said d-bad "SHUNT_IO_URING must be kernel or files; using kernel"

[ $have_liburing = 1 ] ||
    skip "(b), (c) and (d) passed; (a) needs tests/security/progs/uring_echo, not built: configure found no liburing (./dev deps installs liburing-dev)"
echo PASS
