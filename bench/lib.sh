# Helpers of ./dev bench (sourced by scripts/bench.sh and the bench/fig_*.sh
# figures). Expects: BUILD, SHUNT, SHUNTCTL, BENCH_TMP, RESULTS (the TSV every
# measurement is appended to), RUNS, QUICK.
#
# Results, one line per measurement, tab-separated (bench/report.py reads them):
#   value KEY RUN V                     one run of a figure
#   pair RATIO_KEY RUN A_KEY A B_KEY B  one run of shunt (A) and its kernel
#                                       counterpart (B); the ratio is A/B
#   error FIGURE MESSAGE                a figure that could not be measured
#   note KEY TEXT                       context printed under the table

record_value() { printf 'value\t%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }
record_pair() { printf 'pair\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >>"$RESULTS"; }
record_error() {
    printf 'error\t%s\t%s\n' "$1" "$2" >>"$RESULTS"
    echo "    ERROR $1: $2"
}
record_note() { printf 'note\t%s\t%s\n' "$1" "$2" >>"$RESULTS"; }

# is_number V: a plain decimal number (what a parser returns on success).
is_number() { [[ ${1:-} =~ ^[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$ ]]; }

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# Every background program a figure starts is recorded here (by PID), so the
# figure, or the EXIT trap if the figure failed, can stop it and its children.
BG_PIDS=()
bg_start() {  # bg_start LOG CMD...: CMD in the background, its PID in BG_PID
    "${@:2}" >>"$1" 2>&1 </dev/null &
    BG_PID=$!
    BG_PIDS+=("$BG_PID")
}
kill_tree() {
    local c
    for c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$c"; done
    kill "$1" 2>/dev/null
}
bg_stop() {  # bg_stop PID...: TERM to each process tree, then wait (KILL after 5 s)
    local p i
    for p in "$@"; do kill_tree "$p"; done
    for p in "$@"; do
        for ((i = 0; i < 50; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$p" 2>/dev/null && { for c in $(pgrep -P "$p" 2>/dev/null); do kill -KILL "$c" 2>/dev/null; done; kill -KILL "$p" 2>/dev/null; }
        wait "$p" 2>/dev/null
    done
    local keep=() q
    for q in "${BG_PIDS[@]}"; do
        for p in "$@"; do [ "$q" = "$p" ] && continue 2; done
        keep+=("$q")
    done
    BG_PIDS=("${keep[@]}")
}
bg_stop_all() { [ ${#BG_PIDS[@]} -gt 0 ] && bg_stop "${BG_PIDS[@]}"; BG_PIDS=(); }

# wait_line RE FILE [SECONDS]: until FILE has a line matching RE.
wait_line() {
    local i n=$(( ${3:-10} * 10 ))
    for ((i = 0; i < n; i++)); do grep -aqE "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

# A fresh TCP/UDP port for every server a figure starts (no TIME_WAIT reuse).
PORT_NEXT=41000
next_port() { PORT_NEXT=$((PORT_NEXT + 1)); P=$PORT_NEXT; }

peer() { "$SHUNT" lab peer -- "$@"; }

# ---- the lab ------------------------------------------------------------------
LAB_UP=0
DAEMON_PID=""
DAEMON_PAUSED=0
lab_up() {  # lab_up SHUNTD_ARGS: the bench lab with those extra shuntd flags
    SHUNT_LAB_SHUNTD_ARGS=$1 "$SHUNT" lab up >>"$BENCH_TMP/lab.log" 2>&1 || return 1
    LAB_UP=1
    eval "$("$SHUNT" lab env)"
    export SHUNT_SOCKET SHUNT_ADMIN_SOCKET
    DAEMON_PID=$(cat "${SHUNT_LAB_RUN_DIR:-/run/shunt-lab}/$SHUNT_LAB_NAME/shuntd.pid" 2>/dev/null) || DAEMON_PID=""
    [[ $DAEMON_PID =~ ^[0-9]+$ ]] || { DAEMON_PID=""; return 1; }
}
lab_down() {
    resume_daemon
    [ $LAB_UP = 1 ] || return 0
    "$SHUNT" lab down >>"$BENCH_TMP/lab.log" 2>&1 || true
    LAB_UP=0
    DAEMON_PID=""
}

# The kernel's runs see the machine a host without shunt would give them:
# shuntd (whose worker polls even when idle) is stopped meanwhile, unless
# SHUNT_BENCH_PAUSE=0. Nothing under shunt runs while it is paused.
pause_daemon() {
    [ "${SHUNT_BENCH_PAUSE:-1}" = 1 ] && [ -n "$DAEMON_PID" ] || return 0
    kill -STOP "$DAEMON_PID" 2>/dev/null && DAEMON_PAUSED=1
}
resume_daemon() {
    # Unconditional when the flag is lost (a subshell paused it): CONT is harmless.
    [ -n "$DAEMON_PID" ] && kill -CONT "$DAEMON_PID" 2>/dev/null
    DAEMON_PAUSED=0
    return 0
}

ctl_json() { "$SHUNTCTL" --socket "$SHUNT_ADMIN_SOCKET" "$1" --json; }

# run_side MODE FN ARGS...: FN for one side of a pair, the kernel's with
# shuntd paused. FN leaves the side's numbers in OUT and returns non-zero
# when the run failed.
run_side() {
    local mode=$1 rc
    shift
    OUT=""
    if [ "$mode" = kernel ]; then pause_daemon; fi
    "$@"
    rc=$?
    resume_daemon
    return $rc
}

# need FIGURE CMD...: records an error for FIGURE unless every CMD is installed.
need() {
    local fig=$1 c
    shift
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || { record_error "$fig" "$c not installed (./dev deps installs it)"; return 1; }
    done
}

# runs_done FIGURE LOG GOOD: after a figure's runs, an error when none gave a
# number, a note when some failed.
runs_done() {
    local fig=$1 log=$2 good=$3
    if [ "$good" = 0 ]; then
        record_error "$fig" "no run succeeded (log: $log)"
        return 1
    elif [ "$good" -lt "$RUNS" ]; then
        record_note "$fig" "$((RUNS - good)) of $RUNS runs failed and are left out (log: $log)"
    fi
    return 0
}

# pair_order RUN: the order of the two sides in run RUN, alternating, so a
# drift of the machine during a figure weighs on both sides alike.
pair_order() { if (( $1 % 2 == 0 )); then echo "kernel shunt"; else echo "shunt kernel"; fi; }

# ---- system calls of a server ---------------------------------------------------
# The calls counted one by one (the rest are only in the total); perf stat
# counts the raw_syscalls and syscalls tracepoints of every thread of PID.
SYSCALL_NAMES="read write readv writev recvfrom sendto recvmsg sendmsg epoll_wait epoll_pwait poll ppoll select futex sched_yield accept4 close openat newfstatat sendfile64"
syscalls_start() {  # syscalls_start PID: counting until syscalls_stop
    local ev=raw_syscalls:sys_enter n
    for n in $SYSCALL_NAMES; do ev="$ev,syscalls:sys_enter_$n"; done
    SC_OUT="$BENCH_TMP/perf-stat.$1.$RANDOM"
    perf stat -x, -e "$ev" -p "$1" -o "$SC_OUT" >/dev/null 2>&1 &
    SC_PID=$!
    sleep 0.3  # perf has attached
}
# syscalls_stop: SC_TOTAL (all calls) and SC_CALLS ("name=count ..." of the
# counted ones that were made).
syscalls_stop() {
    kill -INT "$SC_PID" 2>/dev/null
    wait "$SC_PID" 2>/dev/null
    SC_TOTAL=$(awk -F, '$3 == "raw_syscalls:sys_enter" { print $1 }' "$SC_OUT")
    SC_CALLS=$(awk -F, '$3 ~ /^syscalls:sys_enter_/ && $1 + 0 > 0 { sub("syscalls:sys_enter_", "", $3); printf "%s=%s ", $3, $1 }' "$SC_OUT")
    is_number "$SC_TOTAL"
}
