#!/usr/bin/env bash
# ./dev bench [--quick]: figures, not pass/fail. Every figure measures shunt
# and the kernel in the same run and reports their ratio pair by pair; each
# is the median of at least 5 runs with its spread. Results go to
# bench/results/<date>.json.
#
# Figures available so far:
#   wire_icmp_rtt_ratio       ICMP echo round trip from the lab peer: shuntd's
#                             lwIP over the DPDK wire vs the kernel over the
#                             lab's kernel link (worker naps when idle, default)
#   wire_icmp_rtt_spin_ratio  the same with the worker polling without pause
#                             (shuntd --idle-sleep 0)
set -euo pipefail
build=${1:?usage: bench.sh BUILD_DIR [--quick]}
shift
quick=0
[ "${1:-}" = --quick ] && quick=1
top=$(cd "$(dirname "$0")/.." && pwd)
shunt="$build/bin/shunt"
runs=5
count=$([ $quick = 1 ] && echo 50 || echo 500)

export SHUNT_LAB_NAME=bench SHUNT_LAB_WIRE_NET=10.234.1 SHUNT_LAB_KERNEL_NET=10.234.2
trap '"$shunt" lab down >/dev/null 2>&1 || true' EXIT

# avg RTT in µs of COUNT echo requests sent back to back (-i 0 needs root).
rtt_us() {
    "$shunt" lab peer -- ping -q -n -c "$count" -i 0.002 -W 1 "$1" |
        awk -F'/' '/^rtt/ { printf "%.1f\n", $5 * 1000 }'
}

# measure NAME SHUNTD_ARGS: lab up with those shuntd flags, RUNS pairs.
declare -A shunt_rtts kernel_rtts ratios
measure() {
    local name=$1 s k i
    SHUNT_LAB_SHUNTD_ARGS=$2 "$shunt" lab up >/dev/null
    eval "$("$shunt" lab env)"
    for ((i = 0; i < runs; i++)); do
        s=$(rtt_us "$SHUNT_LAB_DAEMON_IP"); k=$(rtt_us "$SHUNT_LAB_KERNEL_IP")
        shunt_rtts[$name]+="$s "; kernel_rtts[$name]+="$k "
        ratios[$name]+="$(awk -v s="$s" -v k="$k" 'BEGIN { printf "%.3f", s / k }') "
    done
    "$shunt" lab down >/dev/null
}
measure nap ""
measure spin "--idle-sleep 0"

mkdir -p "$top/bench/results"
out="$top/bench/results/$(date -u +%Y-%m-%dT%H%M%SZ).json"
python3 - "$out" "$count" "${shunt_rtts[nap]}" "${kernel_rtts[nap]}" "${ratios[nap]}" \
    "${shunt_rtts[spin]}" "${kernel_rtts[spin]}" "${ratios[spin]}" <<'PY'
import json, statistics, sys
out, count = sys.argv[1], int(sys.argv[2])
v = [list(map(float, a.split())) for a in sys.argv[3:9]]
def fig(x): return {"median": statistics.median(x), "min": min(x), "max": max(x), "runs": x}
doc = {"wire_icmp_rtt_us_shunt": fig(v[0]), "wire_icmp_rtt_us_kernel": fig(v[1]),
       "wire_icmp_rtt_ratio": fig(v[2]),
       "wire_icmp_rtt_spin_us_shunt": fig(v[3]), "wire_icmp_rtt_spin_us_kernel": fig(v[4]),
       "wire_icmp_rtt_spin_ratio": fig(v[5]), "pings_per_run": count}
json.dump(doc, open(out, "w"), indent=2)
print(f"{'figure':<32}{'median':>10}{'min':>10}{'max':>10}")
for key, f in doc.items():
    if isinstance(f, dict):
        print(f"{key:<32}{f['median']:>10.3f}{f['min']:>10.3f}{f['max']:>10.3f}")
print(f"(ratio < 1: shunt's round trip is shorter) -> {out}")
PY
