# Figure 1b (sourced by scripts/bench.sh): what the syscall hook adds to a
# libc syscall, in one run (bench/hook_bench, the best of 5 rounds each):
#   hook_forwarded_ratio       read(2) on a kernel fd under libshunt, hook on / off
#   hook_forwarded_added_ns    the same, on minus off (target <= 40 ns)
#   hook_nonfd_added_ns        getppid(): a call on no fd, on minus off
#   hook_handled_added_ns      a call the hook hands to shunt (isatty on an
#                              accelerated socket: libc's internal ioctl) minus
#                              the same call through the symbol wrapper
#                              (ioctl(TCGETS)), hook on (target <= 25 ns)
#   hook_read_plain_ns         read(2) with no preload at all, for scale
# The lab is up: the accelerated socket binds to shuntd's address.

# hook_run HOOK ITERATIONS [ADDRESS]: OUT=the JSON line (HOOK: none, 0 or 1).
hook_run() {
    local log="$BENCH_TMP/hook.log" out
    echo "== hook=$1 $2 ${3:-}" >>"$log"
    case $1 in
        none) out=$(timeout --foreground -k 5 300 "$BENCH_BIN/hook_bench" "$2" 2>>"$log") ;;
        *) out=$(SHUNT_SYSCALL_HOOK=$1 LD_PRELOAD="$LIBSHUNT" timeout --foreground -k 5 300 \
                     "$BENCH_BIN/hook_bench" "$2" ${3:+"$3"} 2>>"$log") ;;
    esac || return 1
    echo "$out" >>"$log"
    OUT=$out
}

# json_field JSON KEY: OUT=the number.
json_field() {
    OUT=$(sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" <<<"$1")
    is_number "$OUT"
}

figure_hook() {
    [ -x "$BENCH_BIN/hook_bench" ] || { record_error hook "$BENCH_BIN/hook_bench not built"; return 1; }
    local i good=0 on off plain ron roff gon goff ion isa rplain
    for ((i = 0; i < RUNS; i++)); do
        if (( i % 2 == 0 )); then
            hook_run 0 "$HOOK_ITERS" && off=$OUT || continue
            hook_run 1 "$HOOK_ITERS" "$SHUNT_LAB_DAEMON_IP" && on=$OUT || continue
        else
            hook_run 1 "$HOOK_ITERS" "$SHUNT_LAB_DAEMON_IP" && on=$OUT || continue
            hook_run 0 "$HOOK_ITERS" && off=$OUT || continue
        fi
        hook_run none "$HOOK_ITERS" && plain=$OUT || continue
        json_field "$on" read_ns && ron=$OUT || continue
        json_field "$off" read_ns && roff=$OUT || continue
        json_field "$on" getppid_ns && gon=$OUT || continue
        json_field "$off" getppid_ns && goff=$OUT || continue
        json_field "$on" ioctl_ns && ion=$OUT || continue
        json_field "$on" isatty_ns && isa=$OUT || continue
        json_field "$plain" read_ns && rplain=$OUT || continue
        record_pair hook_forwarded_ratio "$i" hook_read_on_ns "$ron" hook_read_off_ns "$roff"
        record_value hook_forwarded_added_ns "$i" "$(awk -v a="$ron" -v b="$roff" 'BEGIN { printf "%.2f", a - b }')"
        record_value hook_nonfd_added_ns "$i" "$(awk -v a="$gon" -v b="$goff" 'BEGIN { printf "%.2f", a - b }')"
        record_value hook_handled_added_ns "$i" "$(awk -v a="$isa" -v b="$ion" 'BEGIN { printf "%.2f", a - b }')"
        record_value hook_read_plain_ns "$i" "$rplain"
        good=$((good + 1))
    done
    record_note hook "hook_bench: best of 5 rounds of $HOOK_ITERS calls per figure; on minus off, pair by pair"
    runs_done hook "$BENCH_TMP/hook.log" $good
}
