# Figure 4 (sourced by scripts/bench.sh): iperf3 TCP throughput, one stream,
# for the pairs of figure 3 (shuntd's default worker):
#   loopback_throughput  server and client on 127.0.0.1, both under
#                        `shunt run --loopback`, vs the kernel's loopback
#   wire_throughput      the client under `shunt run` sends to iperf3 on the
#                        peer over the DPDK wire, vs the kernel's link
#   wire_throughput_recv the same, the client receiving (-R)
# Keys: NAME_gbits_{shunt,kernel} (Gbit/s received), NAME_ratio (> 1: shunt faster).

# tput_side MODE WHERE [IPERF FLAGS]: OUT=Gbit/s.
tput_side() {
    local mode=$1 where=$2 log="$BENCH_TMP/throughput.log" run=() ip srv slog out rc
    shift 2
    next_port
    slog="$BENCH_TMP/iperf-server-$P.log"
    echo "== $mode $where $* port $P" >>"$log"
    if [ "$where" = loopback ]; then
        ip=127.0.0.1
        [ "$mode" = shunt ] && run=("$SHUNT" run --loopback --)
        bg_start "$slog" "${run[@]}" iperf3 -s -1 --forceflush -B "$ip" -p "$P"
    else
        ip=$SHUNT_LAB_KERNEL_PEER_IP
        if [ "$mode" = shunt ]; then ip=$SHUNT_LAB_PEER_IP; run=("$SHUNT" run --); fi
        bg_start "$slog" "$SHUNT" lab peer -- iperf3 -s -1 --forceflush -B "$ip" -p "$P"
    fi
    srv=$BG_PID
    wait_line "Server listening" "$slog" 10
    out=$(timeout --foreground -k 5 $((IPERF_SECONDS + 30)) "${run[@]}" iperf3 -c "$ip" -p "$P" -t "$IPERF_SECONDS" -J "$@" 2>>"$log")
    rc=$?
    bg_stop "$srv"
    cat "$slog" >>"$log"
    rm -f "$slog"
    [ $rc = 0 ] || { printf '%s\n' "$out" | tail -n 5 >>"$log"; return 1; }
    OUT=$(python3 -c 'import json, sys
d = json.loads(sys.argv[1])
print("%.3f" % (d["end"]["sum_received"]["bits_per_second"] / 1e9))' "$out" 2>>"$log")
    echo "$mode $where $*: $OUT Gbit/s" >>"$log"
    is_number "$OUT"
}

# figure_throughput NAME WHERE [IPERF FLAGS]
figure_throughput() {
    local name=$1 where=$2 i side s k good=0
    shift 2
    need "$name" iperf3 || return 1
    for ((i = 0; i < RUNS; i++)); do
        s="" k=""
        for side in $(pair_order $i); do
            run_side "$side" tput_side "$side" "$where" "$@" || continue
            if [ "$side" = shunt ]; then s=$OUT; else k=$OUT; fi
        done
        [ -n "$s" ] && [ -n "$k" ] || continue
        record_pair "${name}_ratio" "$i" "${name}_gbits_shunt" "$s" "${name}_gbits_kernel" "$k"
        good=$((good + 1))
    done
    runs_done "$name" "$BENCH_TMP/throughput.log" $good
}
