# Figure 8 (sourced by scripts/bench.sh): noisy neighbours (issue 20). One
# app's wire TCP ping-pong (sockperf, blocking, to the peer) alone, then
# beside a second app that
#   udpflood  sends 64-byte UDP datagrams to the peer as fast as it can
#             (sockperf throughput), or
#   unread    holds NEIGHBOUR_CONNS connections whose peer keeps sending and
#             never reads one byte of them (each fills its receive ring and
#             lwIP's window behind it),
# both apps under `shunt run` on one shuntd, and the same on the kernel (the
# ping-pong and the neighbour over the lab's kernel link). A neighbour that
# takes the worker, the shared heap or the NIC's buffers from the other app
# shows as a ratio above the kernel's: on two vCPUs any busy neighbour costs
# the ping-pong CPU time, on the kernel too.
# Keys: neighbour_NAME_{shunt,kernel}_ratio (ping-pong avg with / alone),
# neighbour_NAME_{shunt,kernel}_{with,alone}_us.

NEIGHBOUR_CONNS=32

# The unread neighbour: a peer that pushes into every connection it accepts,
# and an app that connects and never reads.
neighbour_progs() {
    [ -f "$BENCH_TMP/pusher.py" ] && return 0
    cat >"$BENCH_TMP/pusher.py" <<'PY'
import socket, sys, threading
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(128)
print("listening", flush=True)
chunk = b"x" * 65536
def push(c):
    try:
        while True:
            c.sendall(chunk)
    except OSError:
        pass
while True:
    c, _ = srv.accept()
    threading.Thread(target=push, args=(c,), daemon=True).start()
PY
    cat >"$BENCH_TMP/unread.py" <<'PY'
import socket, sys, time
conns = [socket.create_connection((sys.argv[1], int(sys.argv[2]))) for _ in range(int(sys.argv[3]))]
print("holding", len(conns), flush=True)
time.sleep(3600)
PY
}

# nb_start MODE NAME IP: the neighbour NAME running (BG pids in NB_PIDS).
nb_start() {
    local mode=$1 name=$2 ip=$3 log="$BENCH_TMP/neighbours.log" run=() p
    [ "$mode" = shunt ] && run=("$SHUNT" run --)
    NB_PIDS=()
    next_port
    p=$P
    case $name in
        udpflood)
            bg_start "$log" "$SHUNT" lab peer -- sockperf server -i "$ip" -p "$p"
            NB_PIDS+=("$BG_PID")
            sleep 0.5
            bg_start "$log" "${run[@]}" sockperf throughput -i "$ip" -p "$p" -m 64 -t 3600
            NB_PIDS+=("$BG_PID")
            sleep 0.5
            ;;
        unread)
            neighbour_progs
            bg_start "$BENCH_TMP/pusher-$p.log" "$SHUNT" lab peer -- python3 "$BENCH_TMP/pusher.py" "$ip" "$p"
            NB_PIDS+=("$BG_PID")
            wait_line listening "$BENCH_TMP/pusher-$p.log" 10 || return 1
            bg_start "$BENCH_TMP/unread-$p.log" "${run[@]}" python3 "$BENCH_TMP/unread.py" "$ip" "$p" "$NEIGHBOUR_CONNS"
            NB_PIDS+=("$BG_PID")
            wait_line holding "$BENCH_TMP/unread-$p.log" 20 || return 1
            sleep 1  # every window full
            ;;
    esac
}

# nb_side MODE NAME: OUT="alone_avg with_avg" (µs) for one side.
nb_side() {
    local mode=$1 name=$2 ip alone with
    ip=$SHUNT_LAB_KERNEL_PEER_IP
    [ "$mode" = shunt ] && ip=$SHUNT_LAB_PEER_IP
    pp_side "$mode" wire tcp block || return 1
    read -r alone _ <<<"$OUT"
    nb_start "$mode" "$name" "$ip" || { bg_stop "${NB_PIDS[@]}"; return 1; }
    pp_side "$mode" wire tcp block
    local rc=$?
    read -r with _ <<<"$OUT"
    bg_stop "${NB_PIDS[@]}"
    [ $rc = 0 ] || return 1
    OUT="$alone $with"
}

# figure_neighbours NAME
figure_neighbours() {
    local name=$1 i side s k sa sw ka kw good=0 fig="neighbour_$1"
    need "$fig" sockperf python3 || return 1
    for ((i = 0; i < RUNS; i++)); do
        s="" k=""
        for side in $(pair_order $i); do
            run_side "$side" nb_side "$side" "$name" || continue
            if [ "$side" = shunt ]; then s=$OUT; else k=$OUT; fi
        done
        [ -n "$s" ] && [ -n "$k" ] || continue
        read -r sa sw <<<"$s"
        read -r ka kw <<<"$k"
        record_pair "${fig}_shunt_ratio" "$i" "${fig}_shunt_with_us" "$sw" "${fig}_shunt_alone_us" "$sa"
        record_pair "${fig}_kernel_ratio" "$i" "${fig}_kernel_with_us" "$kw" "${fig}_kernel_alone_us" "$ka"
        good=$((good + 1))
    done
    runs_done "$fig" "$BENCH_TMP/neighbours.log" $good
}
