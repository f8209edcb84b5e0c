#!/usr/bin/env bash
# The README's "Running a program through shunt" commands, run as written
# from the source tree in a clean environment (no SHUNT_* variable set):
# the default lab comes up, a program runs accelerated, shuntctl finds the
# lab's shuntd by itself and after `eval "$(build/bin/shunt lab env)"`, and
# the lab goes away. The README must still show each command this runs.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
cd "$SHUNT_SRC_DIR" || fail "no source tree"
[ "$(cd "$SHUNT_BUILD_DIR" && pwd)" = "$(pwd)/build" ] || skip "the README's paths are build/: this build is in $SHUNT_BUILD_DIR"
# The README's lab is the default one: never touch a developer's.
if env -u SHUNT_LAB_NAME -u SHUNT_LAB_RUN_DIR build/bin/shunt lab status >/dev/null 2>&1; then
    skip "the default lab 'shunt' is up already (shunt lab down first)"
fi
[ -S /run/shunt/admin.sock ] && skip "a system shuntd runs (its sockets come first)"

readme_block=$(sed -n '/^## Running a program through shunt/,/^What works today/p' README.md)
for line in 'build/bin/shunt lab up' 'build/bin/shunt run -- CMD [ARGS...]' 'build/bin/shunt lab peer -- CMD' \
            'build/bin/shuntctl status' 'eval "$(build/bin/shunt lab env)"' 'build/bin/shunt lab down'; do
    grep -qF -- "$line" <<<"$readme_block" || fail "the README no longer shows: $line"
done

TMPDIR_E2E=$(mktemp -d)
cleanup() {
    local rc=$?
    local p
    for p in $(jobs -p); do kill_tree "$p"; done
    wait 2>/dev/null
    env -u SHUNT_LAB_NAME -u SHUNT_LAB_RUN_DIR build/bin/shunt lab down >/dev/null 2>&1 || true
    rm -rf "$TMPDIR_E2E"
    exit $rc
}
trap cleanup EXIT

# A user's shell: PATH and HOME, nothing of shunt's.
clean() { env -i PATH="$PATH" HOME="${HOME:-/root}" "$@"; }

note "shunt lab up"
clean build/bin/shunt lab up > "$TMPDIR_E2E/up" 2>&1 9>&- || { cat "$TMPDIR_E2E/up"; fail "lab up"; }
daemon_ip=10.213.1.1 peer_ip=10.213.1.2

note "shunt lab peer -- CMD: an echo server on the peer host"
clean build/bin/shunt lab peer -- python3 tests/e2e/progs/echo_server.py 0.0.0.0 7800 1 > "$TMPDIR_E2E/echo" 2>&1 &
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/echo" && break; sleep 0.1; done

note "shunt run -- CMD: a client, accelerated"
out=$(clean build/bin/shunt run -- python3 tests/e2e/progs/echo_client.py "$peer_ip" 7800 1000000) || fail "echo client: $out"
[ "${out%% *}" = ok ] || fail "echo client: $out"
tcp_segments() {
    clean build/bin/shuntctl --json stats | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(p["xmit"] + p["recv"] for p in d["protocols"] if p["name"] == "tcp"))'
}
for _ in $(seq 30); do  # the worker publishes its counters every 100 ms
    segs=$(tcp_segments)
    [ "${segs:-0}" -gt 100 ] && break
    sleep 0.1
done
[ "${segs:-0}" -gt 100 ] || fail "the client did not go through shuntd (TCP segments: $segs)"

note "shuntctl status finds the lab's shuntd by itself"
clean build/bin/shuntctl status > "$TMPDIR_E2E/status" 2>&1 || { cat "$TMPDIR_E2E/status"; fail "shuntctl status without the lab's env"; }
grep -q "$daemon_ip" "$TMPDIR_E2E/status" || fail "status does not show the lab's port: $(cat "$TMPDIR_E2E/status")"

note "eval \"\$(build/bin/shunt lab env)\", then shuntctl status"
clean bash -c 'eval "$(build/bin/shunt lab env)" && [ -n "$SHUNT_ADMIN_SOCKET" ] && bash -c "env | grep -q ^SHUNT_ADMIN_SOCKET=" && build/bin/shuntctl status' \
    > "$TMPDIR_E2E/status2" 2>&1 || { cat "$TMPDIR_E2E/status2"; fail "shuntctl status after eval of lab env"; }

note "shunt lab down"
clean build/bin/shunt lab down >/dev/null 2>&1 || fail "lab down"
SHUNT_LAB_RUN_DIR=/run/shunt-lab assert_lab_gone shunt 10.213.1
out=$(clean build/bin/shuntctl status 2>&1) && fail "shuntctl status answered with no daemon: $out"
grep -q "not running" <<<"$out" || fail "no daemon: shuntctl says $out"
trap - EXIT
rm -rf "$TMPDIR_E2E"
echo PASS
