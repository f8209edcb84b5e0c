#!/usr/bin/env bash
# The compatibility suite: every case runs three times in the lab, once on
# the kernel path (the program on the host, talking to the peer host over
# the kernel-only link) and twice through shunt (the program under `shunt
# run`, talking to the peer over shuntd's wire), with SHUNT_EPOLL=fast and
# =kernel. What the programs observed is compared; the kernel is the oracle.
#
#   tests/compat/run.sh [--only REGEX] [--exclude REGEX] [--results DIR]
#
# Prints a table (case, kernel, shunt, shunt with SHUNT_EPOLL=kernel, match), writes it with every
# observation to DIR (default tests/compat/results/) as text and JSON, and
# ends with "N passed, N failed, N skipped". Exit 0 when nothing failed.
# A case whose program is not installed is skipped, never passed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${SHUNT_SRC_DIR:=$(cd "$here/../.." && pwd)}"
: "${SHUNT_BUILD_DIR:=$SHUNT_SRC_DIR/build}"
export SHUNT_SRC_DIR SHUNT_BUILD_DIR
only="" exclude="" results="$SHUNT_SRC_DIR/tests/compat/results"
while [ $# -gt 0 ]; do
    case "$1" in
        --only) only=$2; shift 2 ;;
        --exclude) exclude=$2; shift 2 ;;
        --results) results=$2; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "compat: unknown option $1" >&2; exit 2 ;;
    esac
done

. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
PROBES="$SHUNT_BUILD_DIR/tests/compat/probes"
[ -x "$PROBES/eagain" ] || { echo "compat: probes not built (make -C build)" >&2; exit 2; }
lab_lock
lab_start compat 241 >/dev/null
peer() { "$SHUNT" lab peer -- "$@"; }

peer python3 "$here/peer_helper.py" > "$TMPDIR_E2E/peer_helper.log" 2>&1 &
PEER_HELPER=$!
for _ in $(seq 50); do grep -q ready "$TMPDIR_E2E/peer_helper.log" && break; sleep 0.1; done

. "$here/cases.sh"
suite_setup

mkdir -p "$results"
table="$results/latest.txt"
json="$results/latest.json"
obs="$results/observations"
rm -rf "$obs"; mkdir -p "$obs"
passed=0 failed=0 skipped=0 case_index=0
# Through shunt twice: SHUNT_EPOLL=fast (the default: readiness from shared
# memory, docs/libshunt.md) and =kernel (the notify fds alone).
printf '%-28s %-10s %-10s %-10s %s\n' CASE KERNEL SHUNT EPOLL=KERN MATCH | tee "$table"
echo '{"cases":[' > "$json"
first=1
# run_case NAME OUT ERR: the case in a background subshell with a 120 s watchdog
# (`timeout` cannot run a shell function). Returns the case's exit status.
run_case() {
    "case_$1" > "$2" 2> "$3" &
    local cp=$!
    ( sleep 120; kill_tree "$cp" ) &
    local wd=$!
    wait "$cp"
    local rc=$?
    kill_tree "$wd"
    wait "$wd" 2>/dev/null
    # Whatever the case left running (a server it did not stop) goes now.
    local j
    for j in $(jobs -p); do [ "$j" = "${PEER_HELPER:-}" ] || [ "$j" = "${PEER_NGINX:-}" ] || kill_tree "$j"; done
    return $rc
}
# TCP and UDP segments shuntd has sent and received so far: a shunt run that
# leaves them unchanged never went through shunt (it fell back to the
# kernel), and fails however well its output matches.
shunt_segments() {
    "$SHUNTCTL" stats --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(p["xmit"] + p["recv"] for p in d["protocols"] if p["name"] in ("tcp", "udp")))'
}
summary() {  # first line of an observation file, or its state
    [ -s "$1" ] || { echo empty; return; }
    head -n1 "$1" | cut -c1-10
}
for c in "${CASES[@]}"; do
    name=${c%%|*}
    [ -n "$only" ] && ! [[ $name =~ $only ]] && continue
    [ -n "$exclude" ] && [[ $name =~ $exclude ]] && continue
    why=$(needs_"$name" 2>/dev/null) || true
    if [ -n "$why" ]; then
        printf '%-28s %-10s %-10s %-10s %s\n' "$name" - - - "skip ($why)" | tee -a "$table"
        skipped=$((skipped + 1)); match=skip
    else
        # Each run of each case gets ports of its own (a case runs in a subshell).
        case_index=$((case_index + 1))
        mode_kernel; PORT_BASE=$((20000 + 30 * case_index))
        run_case "$name" "$obs/$name.kernel" "$obs/$name.kernel.err"; kr=$?
        echo "exit $kr" >> "$obs/$name.kernel"
        match=yes
        for epoll in fast kernel; do
            out="$obs/$name.shunt"
            [ $epoll = kernel ] && out="$obs/$name.shunt-epoll-kernel"
            mode_shunt; PORT_BASE=$((20010 + 30 * case_index))
            [ $epoll = kernel ] && PORT_BASE=$((20020 + 30 * case_index))
            export SHUNT_EPOLL=$epoll
            before=$(shunt_segments)
            run_case "$name" "$out" "$out.err"; sr=$?
            after=$(shunt_segments)
            # The workers publish their counters every 100 ms: a short case may end first.
            [ "$before" = "$after" ] && { sleep 0.3; after=$(shunt_segments); }
            unset SHUNT_EPOLL
            echo "exit $sr" >> "$out"
            if [ "$before" = "$after" ]; then
                match="NO (not accelerated with SHUNT_EPOLL=$epoll: shuntd carried no segment)"
            elif ! { [ "$(wc -l < "$obs/$name.kernel")" -gt 1 ] && cmp -s "$obs/$name.kernel" "$out"; }; then
                [ "$match" = yes ] && match="NO (SHUNT_EPOLL=$epoll)"
                diff "$obs/$name.kernel" "$out" | head -n 12 | sed 's/^/    /' > "$out.diff"
            fi
        done
        if [ "$match" = yes ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
        printf '%-28s %-10s %-10s %-10s %s\n' "$name" "$(summary "$obs/$name.kernel")" "$(summary "$obs/$name.shunt")" \
            "$(summary "$obs/$name.shunt-epoll-kernel")" "$match" | tee -a "$table"
        cat "$obs/$name".shunt*.diff 2>/dev/null || true
    fi
    [ $first = 1 ] || echo ',' >> "$json"
    first=0
    python3 - "$name" "$match" "$obs" "${c#*|}" >> "$json" <<'PY'
import json, os, sys
name, match, obs, what = sys.argv[1:5]
def read(p):
    return open(p).read() if os.path.exists(p) else None
print(json.dumps({"case": name, "proves": what, "match": match,
                  "kernel": read(os.path.join(obs, name + ".kernel")),
                  "shunt": read(os.path.join(obs, name + ".shunt")),
                  "shunt_epoll_kernel": read(os.path.join(obs, name + ".shunt-epoll-kernel"))}), end="")
PY
done
echo "]}" >> "$json"
suite_teardown
echo "$passed passed, $failed failed, $skipped skipped" | tee -a "$table"
[ $failed = 0 ]
