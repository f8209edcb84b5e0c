# The idle worker (sourced by scripts/bench.sh), one lab per poll mode
# (shuntd --poll-mode busy, adaptive, interrupt), busy first:
#   idle_cpu_share_MODE           shuntd's CPU time over IDLE_SECONDS of no
#                                 traffic, in % of one CPU (utime + stime
#                                 from /proc, 10 ms ticks)
#   first_packet_after_idle_MODE  one ping from the peer after 1 s of
#                                 silence, its round trip in µs; the ratio
#                                 (first_packet_after_idle_MODE_ratio) is
#                                 against the busy worker's in the same run
#                                 order, so it says what sleeping costs the
#                                 first packet
# No app is attached: the figure is the daemon's own idle cost.

# idle_cpu: OUT=% of one CPU shuntd used over IDLE_SECONDS.
idle_cpu() {
    local t0 t1 hz
    hz=$(getconf CLK_TCK)
    sleep 1  # the lab's start-up traffic is over
    t0=$(awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat") || return 1
    sleep "$IDLE_SECONDS"
    t1=$(awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat") || return 1
    OUT=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$IDLE_SECONDS" 'BEGIN { printf "%.2f\n", 100 * (b - a) / hz / s }')
}

# first_ping: OUT=round trip in µs of one ping after 1 s of silence.
first_ping() {
    local out
    sleep 1
    out=$(timeout --foreground -k 5 10 "$SHUNT" lab peer -- ping -n -c 1 -W 2 "$SHUNT_LAB_DAEMON_IP" 2>&1)
    echo "$out" >>"$BENCH_TMP/idle.log"
    OUT=$(awk -F'/' '/^rtt/ { printf "%.1f\n", $5 * 1000 }' <<<"$out")
    is_number "$OUT"
}

# figure_idle MODE: the figures of one mode, in the lab that is up with it.
# Busy's first-packet runs are kept (IDLE_BUSY_US) for the other modes' ratios.
figure_idle() {
    local mode=$1 i good=0
    need "idle_cpu_share_$mode" ping || return 1
    echo "== $mode" >>"$BENCH_TMP/idle.log"
    if idle_cpu; then record_value "idle_cpu_share_$mode" 0 "$OUT"; else record_error "idle_cpu_share_$mode" "no /proc/$DAEMON_PID/stat"; fi
    [ "$mode" = busy ] && IDLE_BUSY_US=()
    for ((i = 0; i < RUNS; i++)); do
        first_ping || continue
        if [ "$mode" = busy ]; then
            IDLE_BUSY_US[i]=$OUT
            record_value first_packet_after_idle_busy_us "$i" "$OUT"
        elif [ -n "${IDLE_BUSY_US[i]:-}" ]; then
            record_pair "first_packet_after_idle_${mode}_ratio" "$i" "first_packet_after_idle_${mode}_us" "$OUT" \
                first_packet_after_idle_busy_us "${IDLE_BUSY_US[i]}"
        fi
        good=$((good + 1))
    done
    record_note "idle_cpu_share_$mode" "shuntd --poll-mode $mode, no app, ${IDLE_SECONDS} s without traffic"
    runs_done "first_packet_after_idle_$mode" "$BENCH_TMP/idle.log" $good
}
