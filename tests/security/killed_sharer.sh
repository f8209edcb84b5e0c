#!/usr/bin/env bash
# Issue 20 item 8: kill -9 of a process that shares accelerated sockets.
# A per-connection child is killed while it alone holds a connection; then
# the parent is killed while another child (which holds none of the
# connections, only the process tree's other fds: with shunt, the control
# connection) lives on. On the kernel the peer sees each connection end
# (FIN) the moment its last holder dies; through shunt it must too: every
# process is a holder of its sockets in shuntd (daemon/socket_holders.hpp,
# preload/fork_holders.hpp). Kernel first (the oracle), then shunt.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
lab_start tks 250
PROGS="$SHUNT_SRC_DIR/tests/security/progs"
peer() { "$SHUNT" lab peer -- "$@"; }

# wait_for FILE REGEX SECONDS: the first line of FILE matching REGEX, or fail.
wait_for() {
    local i line
    for i in $(seq $(($3 * 10))); do
        line=$(grep -m1 -E "$2" "$1") && { echo "$line"; return 0; }
        sleep 0.1
    done
    return 1
}

# run_case NAME PORT IP [RUN...]: the app connects to the peer's IP (its
# wire address through shuntd, its kernel link's on the kernel). RESULT is what the peer saw end, and how,
# after each kill (in this shell: its background programs are lab_cleanup's).
run_case() {
    local name=$1 port=$2 ip=$3 w app pids parent holder bystander one two
    shift 3
    peer python3 "$PROGS/eof_watch.py" 0.0.0.0 "$port" 2 >"$TMPDIR_E2E/peer-$name" 2>&1 &
    w=$!
    wait_for "$TMPDIR_E2E/peer-$name" listening 5 >/dev/null || fail "$name peer: $(cat "$TMPDIR_E2E/peer-$name")"
    "$@" python3 "$PROGS/killed_sharer.py" "$ip" "$port" >"$TMPDIR_E2E/app-$name" 2>&1 &
    app=$!
    pids=$(wait_for "$TMPDIR_E2E/app-$name" '^pids ' 10) || fail "$name app: $(cat "$TMPDIR_E2E/app-$name")"
    read -r _ parent holder bystander <<<"$pids"
    wait_for "$TMPDIR_E2E/peer-$name" '^named two' 5 >/dev/null || fail "$name peer: $(cat "$TMPDIR_E2E/peer-$name")"
    kill -9 "$holder"
    one=$(wait_for "$TMPDIR_E2E/peer-$name" '^(eof|reset) one' 5) || one="open one"
    grep -qE '^(eof|reset) two' "$TMPDIR_E2E/peer-$name" && fail "$name: 'two' ended with the child that did not hold it"
    kill -9 "$parent"
    two=$(wait_for "$TMPDIR_E2E/peer-$name" '^(eof|reset) two' 5) || two="open two"
    kill -9 "$bystander" 2>/dev/null
    kill_tree $app
    kill_tree $w
    wait $app $w 2>/dev/null
    RESULT="$one;$two"
}

note "kernel"
run_case kernel 7610 "$SHUNT_LAB_KERNEL_PEER_IP"
kernel=$RESULT
note "kernel: $kernel"
[ "$kernel" = "eof one;eof two" ] || fail "the kernel saw '$kernel'"
note "shunt"
run_case shunt 7611 "$SHUNT_LAB_PEER_IP" "$SHUNT" run --
shunt=$RESULT
note "shunt: $shunt"
opens=$("$SHUNTCTL" stats --json | json_get '["tcp"]["active_opens"]') || opens=0
[ "${opens:-0}" -ge 2 ] || fail "the connections were not shuntd's ($opens active opens)"
[ "$shunt" = "$kernel" ] || fail "through shunt the peer saw '$shunt', on the kernel '$kernel'"
echo PASS
