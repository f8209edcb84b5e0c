# Figure 5 (sourced by scripts/bench.sh): real servers, driven from the lab's
# peer host. The server under test runs under `shunt run` on shuntd's address
# (the wire) or on the kernel at the host's kernel-link address; both stay up
# for the whole figure, idle while the other side is measured.
#   nginx_rps   wrk -t1 -c32 for WRK_SECONDS on a 6-byte page (nginx: one
#               worker, epoll, sendfile; tests/e2e/progs/nginx_conf.sh)
#   redis_rps   redis-benchmark -c 20 -n REDIS_REQUESTS -t set,get: the
#               requests/s of the whole run (SET and GET, harmonic mean);
#               redis_set_rps and redis_get_rps apart
# Keys: NAME_{shunt,kernel}, NAME_ratio (> 1: shunt serves more).
#   syscalls_per_request_{nginx,redis}  the server's system calls (every
#               thread, perf stat's raw_syscalls:sys_enter) over the same
#               load, divided by the requests served; its ratio < 1: shunt
#               makes fewer. Per call (SYSCALL_NAMES in bench/lib.sh):
#               syscalls_per_request_NAME_{shunt,kernel}_CALL.

# syscall_runs FIG SIDE_FN PID_SHUNT PID_KERNEL: RUNS more runs of SIDE_FN per
# side while perf counts that side's server, recorded as
# syscalls_per_request_FIG (SIDE_FN leaves the requests served in REQS).
syscall_runs() {
    local fig=$1 fn=$2 ps=$3 pk=$4 i side pid s k good=0 c
    command -v perf >/dev/null 2>&1 || { record_error "syscalls_per_request_$fig" "perf not installed (./dev deps installs linux-perf)"; return 1; }
    for ((i = 0; i < RUNS; i++)); do
        s="" k=""
        for side in $(pair_order $i); do
            pid=$ps; [ "$side" = kernel ] && pid=$pk
            syscalls_start "$pid"
            run_side "$side" "$fn" "$side" || { syscalls_stop; continue; }
            syscalls_stop || continue
            is_number "$REQS" && [ "${REQS%.*}" -gt 0 ] || continue
            OUT=$(awk -v t="$SC_TOTAL" -v r="$REQS" 'BEGIN { printf "%.4f\n", t / r }')
            for c in $SC_CALLS; do
                record_value "syscalls_per_request_${fig}_${side}_${c%%=*}" "$i" \
                    "$(awk -v t="${c#*=}" -v r="$REQS" 'BEGIN { printf "%.4f\n", t / r }')"
            done
            if [ "$side" = shunt ]; then s=$OUT; else k=$OUT; fi
        done
        [ -n "$s" ] && [ -n "$k" ] || continue
        record_pair "syscalls_per_request_${fig}_ratio" "$i" "syscalls_per_request_${fig}_shunt" "$s" \
            "syscalls_per_request_${fig}_kernel" "$k"
        good=$((good + 1))
    done
    runs_done "syscalls_per_request_$fig" "$BENCH_TMP/$fig.log" $good
}

# wait_until SECONDS CMD...: until CMD succeeds.
wait_until() {
    local i n=$(( $1 * 10 ))
    shift
    for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    return 1
}

# nginx_side MODE: OUT=requests/s.
nginx_side() {
    local log="$BENCH_TMP/nginx.log" url=$NGINX_KERNEL_URL out
    [ "$1" = shunt ] && url=$NGINX_SHUNT_URL
    out=$(timeout --foreground -k 5 $((WRK_SECONDS + 30)) "$SHUNT" lab peer -- wrk -t1 -c32 -d"${WRK_SECONDS}s" "$url" 2>&1)
    echo "== $1 $url" >>"$log"
    printf '%s\n' "$out" >>"$log"
    grep -q "Non-2xx" <<<"$out" && { echo "$1: non-2xx responses" >>"$log"; return 1; }
    OUT=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    REQS=$(awk '/requests in/ { print $1 }' <<<"$out")
    is_number "$OUT"
}

figure_nginx() {
    local log="$BENCH_TMP/nginx.log" www="$BENCH_TMP/www" ps pk shunt_pid kernel_pid i side s k good=0
    need nginx_rps nginx wrk curl || return 1
    # shellcheck source=/dev/null
    . "$TOP/tests/e2e/progs/nginx_conf.sh"
    mkdir -p "$www"
    echo hello >"$www/index.html"
    next_port; ps=$P
    next_port; pk=$P
    nginx_conf "$SHUNT_LAB_DAEMON_IP" "$ps" "nginx-shunt" "$www" "$BENCH_TMP" >"$BENCH_TMP/nginx-shunt.conf"
    nginx_conf "$SHUNT_LAB_KERNEL_IP" "$pk" "nginx-kernel" "$www" "$BENCH_TMP" >"$BENCH_TMP/nginx-kernel.conf"
    NGINX_SHUNT_URL="http://$SHUNT_LAB_DAEMON_IP:$ps/index.html"
    NGINX_KERNEL_URL="http://$SHUNT_LAB_KERNEL_IP:$pk/index.html"
    bg_start "$log" "$SHUNT" run -- nginx -c "$BENCH_TMP/nginx-shunt.conf" -e "$BENCH_TMP/nginx-shunt.err"
    shunt_pid=$BG_PID
    bg_start "$log" nginx -c "$BENCH_TMP/nginx-kernel.conf" -e "$BENCH_TMP/nginx-kernel.err"
    kernel_pid=$BG_PID
    if ! wait_until 10 "$SHUNT" lab peer -- curl -sf -o /dev/null "$NGINX_SHUNT_URL" ||
       ! wait_until 10 "$SHUNT" lab peer -- curl -sf -o /dev/null "$NGINX_KERNEL_URL"; then
        bg_stop "$shunt_pid" "$kernel_pid"
        record_error nginx_rps "nginx did not answer (log: $log, $BENCH_TMP/nginx-*.err)"
        return 1
    fi
    for ((i = 0; i < RUNS; i++)); do
        s="" k=""
        for side in $(pair_order $i); do
            run_side "$side" nginx_side "$side" || continue
            if [ "$side" = shunt ]; then s=$OUT; else k=$OUT; fi
        done
        [ -n "$s" ] && [ -n "$k" ] || continue
        record_pair nginx_rps_ratio "$i" nginx_rps_shunt "$s" nginx_rps_kernel "$k"
        good=$((good + 1))
    done
    # nginx's one worker process serves the requests: its calls are counted.
    syscall_runs nginx nginx_side "$(pgrep -P "$shunt_pid" -x nginx | head -n 1)" "$(pgrep -P "$kernel_pid" -x nginx | head -n 1)"
    bg_stop "$shunt_pid" "$kernel_pid"
    record_note nginx_rps "wrk -t1 -c32 -d${WRK_SECONDS}s from the peer; nginx: 1 worker"
    runs_done nginx_rps "$log" $good
}

# redis_side MODE: OUT="all set get" requests/s.
redis_side() {
    local log="$BENCH_TMP/redis.log" host=$SHUNT_LAB_KERNEL_IP port=$REDIS_KERNEL_PORT out
    [ "$1" = shunt ] && { host=$SHUNT_LAB_DAEMON_IP; port=$REDIS_SHUNT_PORT; }
    out=$(timeout --foreground -k 5 300 "$SHUNT" lab peer -- redis-benchmark -h "$host" -p "$port" -c 20 -n "$REDIS_REQUESTS" \
        -t set,get --csv 2>&1)
    echo "== $1 $host:$port" >>"$log"
    printf '%s\n' "$out" >>"$log"
    OUT=$(tr -d '"\r' <<<"$out" | awk -F, '
        $1 == "SET" { set = $2 } $1 == "GET" { get = $2 }
        END { if (set > 0 && get > 0) printf "%.1f %s %s\n", 2 / (1 / set + 1 / get), set, get }')
    REQS=$((2 * REDIS_REQUESTS))
    [ -n "$OUT" ]
}

figure_redis() {
    local log="$BENCH_TMP/redis.log" shunt_pid kernel_pid i side s k good=0 sa ss sg ka ks kg
    need redis_rps redis-server redis-benchmark redis-cli || return 1
    next_port; REDIS_SHUNT_PORT=$P
    next_port; REDIS_KERNEL_PORT=$P
    mkdir -p "$BENCH_TMP/redis"
    bg_start "$log" "$SHUNT" run -- redis-server --bind "$SHUNT_LAB_DAEMON_IP" --port "$REDIS_SHUNT_PORT" \
        --save "" --appendonly no --protected-mode no --dir "$BENCH_TMP/redis"
    shunt_pid=$BG_PID
    bg_start "$log" redis-server --bind "$SHUNT_LAB_KERNEL_IP" --port "$REDIS_KERNEL_PORT" \
        --save "" --appendonly no --protected-mode no --dir "$BENCH_TMP/redis"
    kernel_pid=$BG_PID
    if ! wait_until 10 "$SHUNT" lab peer -- sh -c "redis-cli -h $SHUNT_LAB_DAEMON_IP -p $REDIS_SHUNT_PORT ping | grep -q PONG" ||
       ! wait_until 10 "$SHUNT" lab peer -- sh -c "redis-cli -h $SHUNT_LAB_KERNEL_IP -p $REDIS_KERNEL_PORT ping | grep -q PONG"; then
        bg_stop "$shunt_pid" "$kernel_pid"
        record_error redis_rps "redis-server did not answer (log: $log)"
        return 1
    fi
    for ((i = 0; i < RUNS; i++)); do
        s="" k=""
        for side in $(pair_order $i); do
            run_side "$side" redis_side "$side" || continue
            if [ "$side" = shunt ]; then s=$OUT; else k=$OUT; fi
        done
        [ -n "$s" ] && [ -n "$k" ] || continue
        read -r sa ss sg <<<"$s"
        read -r ka ks kg <<<"$k"
        record_pair redis_rps_ratio "$i" redis_rps_shunt "$sa" redis_rps_kernel "$ka"
        record_pair redis_set_rps_ratio "$i" redis_set_rps_shunt "$ss" redis_set_rps_kernel "$ks"
        record_pair redis_get_rps_ratio "$i" redis_get_rps_shunt "$sg" redis_get_rps_kernel "$kg"
        good=$((good + 1))
    done
    syscall_runs redis redis_side "$shunt_pid" "$kernel_pid"
    bg_stop "$shunt_pid" "$kernel_pid"
    record_note redis_rps "redis-benchmark -c 20 -n $REDIS_REQUESTS -t set,get from the peer"
    runs_done redis_rps "$log" $good
}
