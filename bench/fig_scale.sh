# Figure 6 (sourced by scripts/bench.sh): scale. bench/conn_bench's epoll
# server under `shunt run` on shuntd's address (or on the kernel at the
# host's kernel-link address), its clients on the peer host.
#   conns_held             connections the server holds at once after the peer
#                          opened CONNS (re-opening those shuntd reset: it
#                          resets what the listener's accept queue cannot take)
#   conns_held_kernel      the same on the kernel, for reference
#   daemon_bytes_per_conn  shuntd's growth per held connection: its private
#                          resident memory (RssAnon + RssFile), lwIP's heap in
#                          DPDK memory (pools included: MEMP_MEM_MALLOC) and
#                          the app's shared segment (memfd blocks), each a
#                          figure of its own too
#   cps_ratio              connections per second served (connect, the
#                          server's one-byte greeting read, reset), 16 at a
#                          time, for CPS_SECONDS: shunt / kernel

# server_open LOG: the server's last "open N" count.
server_open() { awk '/^open / { n = $2 } END { print n + 0 }' "$1"; }

# daemon_mem APP_PID: OUT="rss heap segment" in bytes.
daemon_mem() {
    local rss
    rss=$(awk '/^RssAnon:|^RssFile:/ { s += $2 } END { print s * 1024 }' "/proc/$DAEMON_PID/status") || return 1
    OUT=$(python3 -c '
import json, sys
stats, apps, pid = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
heap = sum(p["used"] for p in stats["pools"] if p["name"] == "heap")
seg = sum(a["segment_bytes"] for a in apps["apps"] if a["pid"] == pid)
print(sys.argv[4], heap, seg)' "$(ctl_json stats)" "$(ctl_json apps)" "$1" "$rss")
}

# hold_side MODE: OUT="held resets rss heap seg" (growth in bytes; mode kernel: held only).
hold_side() {
    local mode=$1 ip=$SHUNT_LAB_KERNEL_IP run=() log="$BENCH_TMP/scale.log" slog clog srv cli i held=0 m0 m1 got resets
    [ "$mode" = shunt ] && { ip=$SHUNT_LAB_DAEMON_IP; run=("$SHUNT" run --); }
    next_port
    slog="$BENCH_TMP/conn-server-$P.log"
    clog="$BENCH_TMP/conn-client-$P.log"
    bg_start "$slog" "${run[@]}" "$BENCH_BIN/conn_bench" server "$ip" "$P"
    srv=$BG_PID
    if ! wait_line '^listening' "$slog" 10; then
        bg_stop "$srv"; cat "$slog" >>"$log"; return 1
    fi
    sleep 0.3
    if [ "$mode" = shunt ]; then daemon_mem "$srv" && m0=$OUT || { bg_stop "$srv"; return 1; }; fi
    bg_start "$clog" "$SHUNT" lab peer -- "$BENCH_BIN/conn_bench" hold "$ip" "$P" "$CONNS" "$HOLD_SECONDS"
    cli=$BG_PID
    wait_line '^connected' "$clog" $((HOLD_SECONDS + 10))
    got=$(awk '/^connected/ { print $2 }' "$clog")
    resets=$(awk '/^connected/ { print $6 }' "$clog")
    # The server's count settles (it prints at most every 100 ms).
    for ((i = 0; i < 100; i++)); do
        held=$(server_open "$slog")
        [ "$held" -ge "${got:-0}" ] && break
        sleep 0.1
    done
    sleep 0.2
    held=$(server_open "$slog")
    if [ "$mode" = shunt ]; then daemon_mem "$srv" && m1=$OUT; fi
    bg_stop "$cli"
    # The peer's resets reach the server (some may be lost in the burst: the
    # server's exit then resets what is left in shuntd).
    for ((i = 0; i < 50; i++)); do [ "$(server_open "$slog")" = 0 ] && break; sleep 0.1; done
    echo "open after the client left: $(server_open "$slog")" >>"$log"
    bg_stop "$srv"
    if [ "$mode" = shunt ]; then  # shuntd has let go of the app before the next run
        for ((i = 0; i < 50; i++)); do
            ctl_json apps | grep -q "\"pid\":$srv," || break
            sleep 0.1
        done
    fi
    { echo "== $mode hold port $P"; cat "$clog"; tail -n 3 "$slog"; echo "before: ${m0:-} after: ${m1:-}"; } >>"$log"
    rm -f "$slog" "$clog"
    [ "${held:-0}" -gt 0 ] || return 1
    if [ "$mode" = shunt ]; then
        [ -n "${m0:-}" ] && [ -n "${m1:-}" ] || return 1
        OUT=$(awk -v h="$held" -v r="${resets:-0}" -v a="$m0" -v b="$m1" 'BEGIN {
            split(a, x, " "); split(b, y, " ")
            printf "%d %d %.1f %.1f %.1f\n", h, r, (y[1] - x[1]) / h, (y[2] - x[2]) / h, (y[3] - x[3]) / h }')
    else
        OUT=$held
    fi
}

figure_conns() {
    local i good=0 held resets rss heap seg total
    [ -x "$BENCH_BIN/conn_bench" ] || { record_error conns_held "$BENCH_BIN/conn_bench not built"; return 1; }
    if [ "$(ulimit -n)" -lt $((CONNS + 64)) ]; then
        record_note conns_held "RLIMIT_NOFILE is $(ulimit -n) (hard $(ulimit -Hn)): fewer than $CONNS descriptors for the server and shuntd"
    fi
    for ((i = 0; i < RUNS; i++)); do
        if run_side shunt hold_side shunt; then
            read -r held resets rss heap seg <<<"$OUT"
            total=$(awk -v a="$rss" -v b="$heap" -v c="$seg" 'BEGIN { printf "%.1f", a + b + c }')
            record_value conns_held "$i" "$held"
            record_value conn_resets_by_shuntd "$i" "$resets"
            record_value daemon_bytes_per_conn "$i" "$total"
            record_value daemon_rss_bytes_per_conn "$i" "$rss"
            record_value daemon_heap_bytes_per_conn "$i" "$heap"
            record_value segment_bytes_per_conn "$i" "$seg"
            good=$((good + 1))
        fi
        run_side kernel hold_side kernel && record_value conns_held_kernel "$i" "$OUT"
    done
    record_note conns_held "$CONNS connections opened from the peer per run, at most 512 connects in flight"
    runs_done conns_held "$BENCH_TMP/scale.log" $good
}

# cps_side MODE: OUT=connections per second.
cps_side() {
    local ip=$SHUNT_LAB_KERNEL_IP port=$CPS_KERNEL_PORT out
    [ "$1" = shunt ] && { ip=$SHUNT_LAB_DAEMON_IP; port=$CPS_SHUNT_PORT; }
    out=$(timeout --foreground -k 5 $((CPS_SECONDS + 30)) "$SHUNT" lab peer -- "$BENCH_BIN/conn_bench" rate "$ip" "$port" \
        "$CPS_SECONDS" 16 2>&1)
    echo "$1: $out" >>"$BENCH_TMP/scale.log"
    OUT=$(awk '/^cps/ { print $2 }' <<<"$out")
    is_number "$OUT"
}

figure_cps() {
    local log="$BENCH_TMP/scale.log" shunt_pid kernel_pid i side s k good=0
    [ -x "$BENCH_BIN/conn_bench" ] || { record_error cps "$BENCH_BIN/conn_bench not built"; return 1; }
    next_port; CPS_SHUNT_PORT=$P
    next_port; CPS_KERNEL_PORT=$P
    bg_start "$BENCH_TMP/cps-shunt.log" "$SHUNT" run -- "$BENCH_BIN/conn_bench" server "$SHUNT_LAB_DAEMON_IP" "$CPS_SHUNT_PORT" greet
    shunt_pid=$BG_PID
    bg_start "$BENCH_TMP/cps-kernel.log" "$BENCH_BIN/conn_bench" server "$SHUNT_LAB_KERNEL_IP" "$CPS_KERNEL_PORT" greet
    kernel_pid=$BG_PID
    if ! wait_line '^listening' "$BENCH_TMP/cps-shunt.log" 10 || ! wait_line '^listening' "$BENCH_TMP/cps-kernel.log" 10; then
        bg_stop "$shunt_pid" "$kernel_pid"
        record_error cps "conn_bench server did not start (logs: $BENCH_TMP/cps-*.log)"
        return 1
    fi
    for ((i = 0; i < RUNS; i++)); do
        s="" k=""
        for side in $(pair_order $i); do
            run_side "$side" cps_side "$side" || continue
            if [ "$side" = shunt ]; then s=$OUT; else k=$OUT; fi
        done
        [ -n "$s" ] && [ -n "$k" ] || continue
        record_pair cps_ratio "$i" cps_shunt "$s" cps_kernel "$k"
        good=$((good + 1))
    done
    bg_stop "$shunt_pid" "$kernel_pid"
    record_note cps "conn_bench rate, 16 connections at a time, ${CPS_SECONDS}s per run, from the peer"
    runs_done cps "$log" $good
}
