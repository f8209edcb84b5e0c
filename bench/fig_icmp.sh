# The ICMP figures (sourced by scripts/bench.sh): echo round trip from the
# lab's peer host to shuntd's lwIP over the DPDK wire, divided by the round
# trip to the host kernel over the lab's kernel-only veth. Measured in the lab
# that is up: wire_icmp_rtt with the default worker (naps when idle),
# wire_icmp_rtt_spin with `--idle-sleep 0`.

# icmp_side MODE: OUT=average round trip in µs of ICMP_COUNT pings 2 ms apart.
icmp_side() {
    local ip=$SHUNT_LAB_DAEMON_IP out
    [ "$1" = kernel ] && ip=$SHUNT_LAB_KERNEL_IP
    out=$(timeout --foreground -k 5 $((ICMP_COUNT / 100 + 30)) "$SHUNT" lab peer -- ping -q -n -c "$ICMP_COUNT" -i 0.002 -W 1 "$ip" 2>&1)
    echo "$1: $out" >>"$BENCH_TMP/icmp.log"
    OUT=$(awk -F'/' '/^rtt/ { printf "%.1f\n", $5 * 1000 }' <<<"$out")
    is_number "$OUT"
}

# figure_icmp NAME: NAME_us_shunt, NAME_us_kernel, NAME_ratio.
figure_icmp() {
    local name=$1 i side s k good=0
    need "$name" ping || return 1
    for ((i = 0; i < RUNS; i++)); do
        s="" k=""
        for side in $(pair_order $i); do
            run_side "$side" icmp_side "$side" || continue
            if [ "$side" = shunt ]; then s=$OUT; else k=$OUT; fi
        done
        [ -n "$s" ] && [ -n "$k" ] || continue
        record_pair "${name}_ratio" "$i" "${name}_us_shunt" "$s" "${name}_us_kernel" "$k"
        good=$((good + 1))
    done
    record_note "$name" "$ICMP_COUNT pings 2 ms apart per run"
    runs_done "$name" "$BENCH_TMP/icmp.log" $good
}
