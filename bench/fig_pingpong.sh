# Figure 3 (sourced by scripts/bench.sh): sockperf ping-pong, half round trip
# (sockperf's latency: avg, p50, p99 in µs), TCP and UDP.
#   loopback: server and client on 127.0.0.1, both under `shunt run --loopback`
#             (one shuntd serves both ends) vs both on the kernel's loopback;
#   wire:     the client under `shunt run` to a sockperf server on the peer,
#             over shuntd's DPDK wire, vs the client on the host kernel to the
#             peer over the lab's kernel link.
# Spinning: both ends busy-poll (sockperf --nonblocked; the server's epoll
# timeout 0) on the kernel and through shunt, and shuntd's worker polls
# without pause (the lab is up with --idle-sleep 0); `spinclient` spins the
# client only. Blocking: sockperf's defaults, shuntd's default naps.
# Keys: NAME_PROTO_{avg,p50,p99}_us_{shunt,kernel} and NAME_PROTO_{avg,p50,p99}_ratio.

# pp_side MODE WHERE PROTO SPIN: OUT="avg p50 p99" for one client run.
pp_side() {
    local mode=$1 where=$2 proto=$3 spin=$4 log="$BENCH_TMP/pingpong.log"
    local run=() pf=() sf=() cf=() ip srv out rc
    [ "$proto" = tcp ] && pf=(--tcp)
    case $spin in
        both) sf=(--nonblocked --timeout 0); cf=(--nonblocked) ;;
        client) cf=(--nonblocked) ;;
    esac
    next_port
    echo "== $mode $where $proto spin=$spin port $P" >>"$log"
    if [ "$where" = loopback ]; then
        ip=127.0.0.1
        [ "$mode" = shunt ] && run=("$SHUNT" run --loopback --spin-us "$PP_SPIN_US" --)
        bg_start "$log" "${run[@]}" sockperf server "${pf[@]}" -i "$ip" -p "$P" "${sf[@]}"
    else
        ip=$SHUNT_LAB_KERNEL_PEER_IP
        if [ "$mode" = shunt ]; then ip=$SHUNT_LAB_PEER_IP; run=("$SHUNT" run --spin-us "$PP_SPIN_US" --); fi
        bg_start "$log" "$SHUNT" lab peer -- sockperf server "${pf[@]}" -i "$ip" -p "$P" "${sf[@]}"
    fi
    srv=$BG_PID
    sleep 0.5
    out=$(timeout --foreground -k 5 $((PP_SECONDS + 30)) "${run[@]}" sockperf ping-pong "${pf[@]}" -i "$ip" -p "$P" \
        -t "$PP_SECONDS" "${cf[@]}" 2>&1)
    rc=$?
    printf '%s\n' "$out" >>"$log"
    bg_stop "$srv"
    [ $rc = 0 ] || return 1
    OUT=$(sed 's/\x1b\[[0-9;]*m//g' <<<"$out" | awk '
        /avg-latency=/ { s = $0; sub(/.*avg-latency=/, "", s); split(s, f, " "); avg = f[1] }
        /percentile 50.000 =/ { p50 = $NF }
        /percentile 99.000 =/ { p99 = $NF }
        END { if (avg != "" && p50 != "" && p99 != "") print avg, p50, p99 }')
    [ -n "$OUT" ]
}

# figure_pingpong NAME WHERE SPIN PROTO
figure_pingpong() {
    local name=$1 where=$2 spin=$3 proto=$4 i side s k good=0 sa s50 s99 ka k50 k99 stat
    need "${name}_$proto" sockperf || return 1
    for ((i = 0; i < RUNS; i++)); do
        s="" k=""
        for side in $(pair_order $i); do
            run_side "$side" pp_side "$side" "$where" "$proto" "$spin" || continue
            if [ "$side" = shunt ]; then s=$OUT; else k=$OUT; fi
        done
        [ -n "$s" ] && [ -n "$k" ] || continue
        read -r sa s50 s99 <<<"$s"
        read -r ka k50 k99 <<<"$k"
        for stat in avg p50 p99; do
            case $stat in avg) s=$sa k=$ka ;; p50) s=$s50 k=$k50 ;; p99) s=$s99 k=$k99 ;; esac
            record_pair "${name}_${proto}_${stat}_ratio" "$i" "${name}_${proto}_${stat}_us_shunt" "$s" \
                "${name}_${proto}_${stat}_us_kernel" "$k"
        done
        good=$((good + 1))
    done
    runs_done "${name}_$proto" "$BENCH_TMP/pingpong.log" $good
}
