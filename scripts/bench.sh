#!/usr/bin/env bash
# ./dev bench [--quick]: figures, not pass/fail. Every figure measures shunt
# and the kernel in the same run and reports their ratio pair by pair; each is
# the median of at least 5 runs with its spread (min–max). Prints a table
# (figure, shunt, kernel, ratio, min–max, target, met?), writes
# bench/results/<UTC date-time>.json and a PNG plot next to it. --quick runs
# every figure with short durations (about 10 minutes); the full run takes
# 30–45 minutes. docs/performance.md explains each figure.
#
#   bash scripts/bench.sh BUILD_DIR [--quick]
#
# Figures (bench/fig_*.sh; JSON keys):
#   1 interposer   interposer_instructions_ratio, interposer_time_ratio
#   1b hook        hook_forwarded_added_ns, hook_handled_added_ns (the syscall hook)
#   2 channel      channel_msgs_per_s, channel_gbps, channel_memcpy_ratio
#   3 ping-pong    loopback_pingpong_spin_halfrtt_ratio,
#                  loopback_pingpong_block_halfrtt_ratio, wire_pingpong_halfrtt_ratio
#   4 throughput   loopback_throughput_ratio, wire_throughput_ratio
#   5 apps         nginx_rps_ratio, redis_rps_ratio,
#                  syscalls_per_request_{nginx,redis}_ratio (perf stat on the server)
#   6 scale        conns_held, daemon_bytes_per_conn, cps_ratio
#   ICMP           wire_icmp_rtt_ratio, wire_icmp_rtt_spin_ratio
#   7 idle         idle_cpu_share_{busy,adaptive,interrupt},
#                  first_packet_after_idle_{adaptive,interrupt}_ratio (vs busy)
#   8 neighbours   neighbour_{udpflood,unread}_{shunt,kernel}_ratio (one app's
#                  ping-pong beside a noisy app / alone)
#
# Environment: SHUNT_BENCH_RUNS (runs per figure; default 5, 7 for the full
# run), SHUNT_BENCH_ONLY (regex of figure names to run: channel, interposer,
# icmp, hook, pingpong, throughput, nginx, redis, conns, cps, neighbours, idle), SHUNT_BENCH_PAUSE=0
# (leave shuntd running during the kernel's runs; by default it is stopped
# with SIGSTOP meanwhile, so the kernel has the machine a host without shunt
# would give it).
#
# The lab is the bench's own (SHUNT_LAB_NAME=bench on 10.234.1/10.234.2).
# Everything started is stopped on exit, on failure or Ctrl-C; a figure that
# cannot run (a tool missing, a crash) is reported as an error in the table
# and the JSON, and the other figures still run. Tool output goes to logs in
# a temporary directory, printed at the end.
set -uo pipefail
BUILD=$(cd "${1:?usage: bench.sh BUILD_DIR [--quick]}" && pwd)
shift
QUICK=0
[ "${1:-}" = --quick ] && QUICK=1
TOP=$(cd "$(dirname "$0")/.." && pwd)
SHUNT="$BUILD/bin/shunt"
SHUNTCTL="$BUILD/bin/shuntctl"
LIBSHUNT="$BUILD/lib/libshunt.so"
BENCH_BIN="$BUILD/bench"
[ -x "$SHUNT" ] && [ -f "$LIBSHUNT" ] || { echo "bench: build first (./dev build): no $SHUNT or $LIBSHUNT" >&2; exit 1; }

if [ $QUICK = 1 ]; then
    RUNS=${SHUNT_BENCH_RUNS:-5}
    ICMP_COUNT=50 CG_ITERS=20000 NATIVE_ITERS=50000 HOOK_ITERS=200000 CHANNEL_SECONDS=0.3
    PP_SECONDS=1 IPERF_SECONDS=1 WRK_SECONDS=1 REDIS_REQUESTS=20000 CPS_SECONDS=1 IDLE_SECONDS=3
else
    RUNS=${SHUNT_BENCH_RUNS:-7}
    ICMP_COUNT=500 CG_ITERS=100000 NATIVE_ITERS=300000 HOOK_ITERS=1000000 CHANNEL_SECONDS=1
    PP_SECONDS=5 IPERF_SECONDS=5 WRK_SECONDS=5 REDIS_REQUESTS=100000 CPS_SECONDS=5 IDLE_SECONDS=10
fi
[ "$RUNS" -ge 5 ] 2>/dev/null || { echo "bench: SHUNT_BENCH_RUNS must be 5 or more" >&2; exit 2; }
CONNS=10000 HOLD_SECONDS=60 PP_SPIN_US=1000
ONLY=${SHUNT_BENCH_ONLY:-}

export SHUNT_LAB_NAME=bench SHUNT_LAB_WIRE_NET=10.234.1 SHUNT_LAB_KERNEL_NET=10.234.2
# 10,000 connections need as many descriptors in the server, in shuntd (one
# notify socket each) and in the peer's client; all inherit this limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

BENCH_TMP=$(mktemp -d /tmp/shunt-bench.XXXXXX)
RESULTS="$BENCH_TMP/results.tsv"
: >"$RESULTS"
. "$TOP/bench/lib.sh"
for f in "$TOP"/bench/fig_*.sh; do . "$f"; done

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    resume_daemon
    bg_stop_all
    lab_down
    echo "bench: logs in $BENCH_TMP"
    exit $rc
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

# figure NAME FN ARGS...: runs FN unless SHUNT_BENCH_ONLY leaves NAME out;
# whatever FN left running is stopped after it.
figure() {
    local name=$1 t0=$SECONDS
    shift
    if [ -n "$ONLY" ] && ! [[ $name =~ $ONLY ]]; then return 0; fi
    say "figure $name: $*"
    "$@" || true
    bg_stop_all
    resume_daemon
    say "  done in $((SECONDS - t0)) s"
}
lab_error() {  # every figure of a lab stage that could not come up
    local f
    for f in "$@"; do record_error "$f" "shunt lab up failed (log: $BENCH_TMP/lab.log)"; done
}

LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
# The source the build was made from (./dev bench builds just before).
commit=$(git -C "$TOP" rev-parse HEAD 2>/dev/null || echo unknown)
git -C "$TOP" diff --quiet HEAD 2>/dev/null || commit="$commit+dirty"
say "bench: $([ $QUICK = 1 ] && echo quick || echo full) run, $RUNS runs per figure, logs in $BENCH_TMP"
awk -v l="$LOAD_START" -v n="$(nproc)" 'BEGIN { if (l > 0.5) printf "bench: the machine is busy before we start (load %s on %d CPUs): expect noisy figures\n", l, n }'
"$SHUNT" lab down >/dev/null 2>&1 || true   # a lab left by an interrupted run

# Stage 1, no lab: the channel alone.
figure channel figure_channel

# Stage 2, shuntd's default worker (naps when idle).
if lab_up ""; then
    figure icmp figure_icmp wire_icmp_rtt
    figure interposer figure_interposer
    figure hook figure_hook
    figure pingpong figure_pingpong loopback_pingpong_block loopback block tcp
    figure pingpong figure_pingpong loopback_pingpong_block loopback block udp
    figure pingpong figure_pingpong wire_pingpong wire block tcp
    figure pingpong figure_pingpong wire_pingpong wire block udp
    figure throughput figure_throughput loopback_throughput loopback
    figure throughput figure_throughput wire_throughput wire
    figure throughput figure_throughput wire_throughput_recv wire -R
    figure nginx figure_nginx
    figure redis figure_redis
    figure conns figure_conns
    figure cps figure_cps
    figure neighbours figure_neighbours udpflood
    figure neighbours figure_neighbours unread
else
    lab_error wire_icmp_rtt interposer loopback_pingpong_block_tcp loopback_pingpong_block_udp wire_pingpong_tcp \
        wire_pingpong_udp loopback_throughput wire_throughput wire_throughput_recv nginx_rps redis_rps conns_held cps \
        neighbour_udpflood neighbour_unread
fi
lab_down

# Stage 3, the worker polls without pause: the spinning figures.
if lab_up "--idle-sleep 0"; then
    figure icmp figure_icmp wire_icmp_rtt_spin
    figure pingpong figure_pingpong loopback_pingpong_spin loopback both tcp
    figure pingpong figure_pingpong loopback_pingpong_spin loopback both udp
    figure pingpong figure_pingpong loopback_pingpong_spinclient loopback client tcp
else
    lab_error wire_icmp_rtt_spin loopback_pingpong_spin_tcp loopback_pingpong_spin_udp loopback_pingpong_spinclient_tcp
fi
lab_down

# Stage 4, one lab per poll mode, busy first: the idle worker's figures.
for mode in busy adaptive interrupt; do
    if [ -n "$ONLY" ] && ! [[ idle =~ $ONLY ]]; then break; fi
    if lab_up "--poll-mode $mode"; then
        figure idle figure_idle "$mode"
    else
        lab_error "idle_cpu_share_$mode" "first_packet_after_idle_$mode"
    fi
    lab_down
done

# The report: JSON, table, Markdown, PNG.
mkdir -p "$TOP/bench/results"
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
out="$TOP/bench/results/$stamp"
python3 - "$BENCH_TMP/meta.json" <<PY
import json, os, platform, sys
json.dump({"date": "$stamp", "quick": bool($QUICK), "runs": $RUNS, "commit": "$commit",
           "command": "./dev bench" + (" --quick" if $QUICK else ""),
           "cpus": os.cpu_count(), "kernel": platform.release(),
           "pause_shuntd_for_kernel_runs": "${SHUNT_BENCH_PAUSE:-1}" == "1",
           "load_at_start": float("$LOAD_START"), "build": "$BUILD",
           "durations": {"icmp_pings": $ICMP_COUNT, "callgrind_iterations": $CG_ITERS,
                         "native_iterations": $NATIVE_ITERS, "channel_s": $CHANNEL_SECONDS,
                         "sockperf_s": $PP_SECONDS, "iperf3_s": $IPERF_SECONDS, "wrk_s": $WRK_SECONDS,
                         "redis_requests": $REDIS_REQUESTS, "cps_s": $CPS_SECONDS, "conns": $CONNS,
                         "idle_s": $IDLE_SECONDS},
           "only": "$ONLY"}, open(sys.argv[1], "w"), indent=2)
PY
# The plot needs matplotlib: Debian's python3 has it (python3-matplotlib).
py=python3
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import matplotlib' 2>/dev/null; then py=$p; break; fi
done
echo
"$py" "$TOP/bench/report.py" "$RESULTS" "$BENCH_TMP/meta.json" "$out.json" "$out.png" "$BENCH_TMP/table.md"
echo "Markdown table: $BENCH_TMP/table.md"
