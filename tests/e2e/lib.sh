# Shared helpers for end-to-end tests (sourced). Each test runs its own lab
# with a unique name and subnets, and removes it on exit, pass or fail.
# Exit codes: 0 pass, 1 fail, 77 skip (automake).
set -u
: "${SHUNT_BUILD_DIR:?run through make check or ./dev test}"
BIN="$SHUNT_BUILD_DIR/bin"
SHUNT="$BIN/shunt"
SHUNTCTL="$BIN/shuntctl"
SHUNTD="$BIN/shuntd"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
note() { echo "--- $*"; }

require_root() { [ "$(id -u)" = 0 ] || skip "needs root (namespaces, DPDK)"; }

# Lab tests take turns (make check -j): they share the CPUs a worker polls on
# and the machine's hugepage count, which the teardown checks.
lab_lock() { exec 9>/run/shunt-e2e.lock; flock 9; }

# lab_start NAME NETBYTE: a lab named NAME on 10.NETBYTE.{1,2}.0/24.
lab_start() {
    LAB=$1
    export SHUNT_LAB_NAME=$1 SHUNT_LAB_WIRE_NET="10.$2.1" SHUNT_LAB_KERNEL_NET="10.$2.2"
    export SHUNT_LAB_RUN_DIR=/run/shunt-test
    TMPDIR_E2E=$(mktemp -d)
    trap lab_cleanup EXIT
    # shuntd must not inherit the lab lock (fd 9): one left running by a
    # failed teardown would hold every other lab test off.
    "$SHUNT" lab up 9>&- || fail "shunt lab up"
    eval "$("$SHUNT" lab env)"
    export SHUNT_ADMIN_SOCKET
}

# kill_tree PID: the process and everything it started (children first), by PID.
# A background shell function (`peer CMD &`) is a subshell whose child is the
# real program: killing the subshell alone would leave the program behind.
kill_tree() {
    local c
    for c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$c"; done
    kill "$1" 2>/dev/null
}

lab_cleanup() {
    local rc=$?
    if [ $rc != 0 ] && [ -f "$SHUNT_LAB_RUN_DIR/$LAB/shuntd.log" ]; then
        echo "--- shuntd log:"; tail -n 30 "$SHUNT_LAB_RUN_DIR/$LAB/shuntd.log" "$SHUNT_LAB_RUN_DIR/$LAB/shuntd.out" 2>/dev/null
    fi
    # Background programs the test started (by PID), then the lab.
    local p
    for p in $(jobs -p); do kill_tree "$p"; done
    wait 2>/dev/null
    "$SHUNT" lab down >/dev/null 2>&1 || true
    [ -n "${TMPDIR_E2E:-}" ] && rm -rf "$TMPDIR_E2E"
    exit $rc
}

# json_get EXPR: read a value from JSON on stdin with python3 (e.g. '["ports"][0]["name"]').
json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }

# Asserts that nothing of lab NAME (wire net A.B.C) remains.
assert_lab_gone() {
    local name=$1 net=$2
    ip netns list | awk '{print $1}' | grep -qx "$name-peer" && fail "namespace $name-peer left behind"
    ip link show dev "$name-w0" >/dev/null 2>&1 && fail "link $name-w0 left behind"
    ip link show dev "$name-k0" >/dev/null 2>&1 && fail "link $name-k0 left behind"
    ip route show | grep -q "$net.0/24" && fail "route to $net.0/24 left behind"
    pgrep -f -- "--file-prefix shunt-$name( |$)" >/dev/null && fail "shuntd of lab $name still running"
    [ -e "$SHUNT_LAB_RUN_DIR/$name" ] && fail "state directory $SHUNT_LAB_RUN_DIR/$name left behind"
    [ -e "/var/run/dpdk/shunt-$name" ] && fail "DPDK runtime dir left behind"
    return 0
}
