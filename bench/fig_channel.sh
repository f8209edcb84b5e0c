# Figure 2 (sourced by scripts/bench.sh): the app<->daemon channel on its own.
# bench/channel_bench streams through shm/byte_ring.hpp between two processes
# (parent produces, forked child consumes, each on its own CPU) and copies the
# same sizes with memcpy in one process:
#   channel_msgs_per_s      64-byte messages per second through the ring
#   channel_gbps            GB/s (1e9 bytes) with 64 KiB writes, 256 KiB ring
#   channel_memcpy_ratio    channel_gbps / memcpy GB/s of 64 KiB copies
#   channel_msgs_memcpy_ratio  messages/s / 64-byte memcpy copies per second
# Runs before the lab is up: no shuntd polls meanwhile.

figure_channel() {
    local log="$BENCH_TMP/channel.log" i good=0 out v mps cmps gbps cgbps
    [ -x "$BENCH_BIN/channel_bench" ] || { record_error channel "$BENCH_BIN/channel_bench not built"; return 1; }
    for ((i = 0; i < RUNS; i++)); do
        out=$(timeout --foreground -k 5 120 "$BENCH_BIN/channel_bench" "$CHANNEL_SECONDS" 2>>"$log") || { echo "run $i failed" >>"$log"; continue; }
        echo "$out" >>"$log"
        v=$(python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["msgs_per_s"], d["memcpy_msgs_per_s"], d["gbps"], d["memcpy_gbps"])' "$out") || continue
        read -r mps cmps gbps cgbps <<<"$v"
        record_pair channel_msgs_memcpy_ratio "$i" channel_msgs_per_s "$mps" memcpy_msgs_per_s "$cmps"
        record_pair channel_memcpy_ratio "$i" channel_gbps "$gbps" memcpy_gbps "$cgbps"
        good=$((good + 1))
    done
    runs_done channel "$log" $good
}
