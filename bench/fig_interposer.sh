# Figure 1 (sourced by scripts/bench.sh): the interposer's overhead on
# descriptors it does not accelerate. bench/syscall_mix (file, pipe, AF_UNIX
# and kernel TCP loopback calls) with and without LD_PRELOAD=libshunt.so:
#   interposer_instructions_ratio          instructions of the loop (callgrind
#                                          --toggle-collect=run_loop), preload / none
#   interposer_program_instructions_ratio  the same for the whole program
#                                          (start-up: the C++ runtime, libshunt's init)
#   interposer_time_ratio                  wall time of the loop, native
# shuntd runs (the lab is up), so libshunt sees a daemon as in production; no
# pause here: an app under shunt needs the daemon to answer.

# callgrind_ir PRELOAD TOGGLE ITERATIONS: OUT=instructions collected.
callgrind_ir() {
    local log="$BENCH_TMP/interposer.log" args=(--tool=callgrind --callgrind-out-file=/dev/null) out
    [ "$2" = loop ] && args+=(--toggle-collect=run_loop)
    echo "== callgrind preload=$1 $2 $3" >>"$log"
    if [ "$1" = 1 ]; then
        out=$(LD_PRELOAD="$LIBSHUNT" timeout --foreground -k 5 600 valgrind "${args[@]}" "$BENCH_BIN/syscall_mix" "$3" 2>&1)
    else
        out=$(timeout --foreground -k 5 600 valgrind "${args[@]}" "$BENCH_BIN/syscall_mix" "$3" 2>&1)
    fi || { printf '%s\n' "$out" >>"$log"; return 1; }
    printf '%s\n' "$out" >>"$log"
    OUT=$(awk '/Collected :/ { print $NF }' <<<"$out" | tail -n1)
    is_number "$OUT"
}

# native_ns PRELOAD ITERATIONS: OUT=ns per iteration of the loop.
native_ns() {
    local log="$BENCH_TMP/interposer.log" out
    echo "== native preload=$1 $2" >>"$log"
    if [ "$1" = 1 ]; then
        out=$(LD_PRELOAD="$LIBSHUNT" timeout --foreground -k 5 300 "$BENCH_BIN/syscall_mix" "$2" 2>>"$log")
    else
        out=$(timeout --foreground -k 5 300 "$BENCH_BIN/syscall_mix" "$2" 2>>"$log")
    fi || return 1
    echo "$out" >>"$log"
    OUT=$(sed -n 's/.*"ns_per_iteration":\([0-9.]*\).*/\1/p' <<<"$out")
    is_number "$OUT"
}

figure_interposer() {
    need interposer valgrind || return 1
    [ -x "$BENCH_BIN/syscall_mix" ] || { record_error interposer "$BENCH_BIN/syscall_mix not built"; return 1; }
    local i good=0 a b c d e f
    for ((i = 0; i < RUNS; i++)); do
        callgrind_ir 1 loop "$CG_ITERS" && a=$OUT || continue
        callgrind_ir 0 loop "$CG_ITERS" && b=$OUT || continue
        callgrind_ir 1 program "$CG_ITERS" && c=$OUT || continue
        callgrind_ir 0 program "$CG_ITERS" && d=$OUT || continue
        if (( i % 2 == 0 )); then
            native_ns 0 "$NATIVE_ITERS" && f=$OUT || continue
            native_ns 1 "$NATIVE_ITERS" && e=$OUT || continue
        else
            native_ns 1 "$NATIVE_ITERS" && e=$OUT || continue
            native_ns 0 "$NATIVE_ITERS" && f=$OUT || continue
        fi
        record_pair interposer_instructions_ratio "$i" interposer_loop_instructions_preload "$a" \
            interposer_loop_instructions_plain "$b"
        record_pair interposer_program_instructions_ratio "$i" interposer_program_instructions_preload "$c" \
            interposer_program_instructions_plain "$d"
        record_pair interposer_time_ratio "$i" interposer_ns_per_iteration_preload "$e" \
            interposer_ns_per_iteration_plain "$f"
        good=$((good + 1))
    done
    record_note interposer "syscall_mix: $CG_ITERS iterations under callgrind, $NATIVE_ITERS natively; 10 libc calls per iteration"
    runs_done interposer "$BENCH_TMP/interposer.log" $good
}
