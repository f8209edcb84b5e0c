#!/usr/bin/env bash
# Issue 20 item 2: shuntd with every descriptor it may have in use. An app
# that attaches then is turned away (it runs on the kernel) and shuntd does
# not spin on its control socket (accept4 failing with EMFILE left the
# listener readable: the main lcore looped on it at full speed); once
# descriptors are free again, apps attach as before.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
command -v prlimit >/dev/null || skip "no prlimit"
PY=/usr/bin/python3
[ -x $PY ] || skip "no $PY"
lab_lock
lab_start tfdl 244
pid=$(cat "$SHUNT_LAB_RUN_DIR/$LAB/shuntd.pid" 2>/dev/null) || pid=$(pgrep -f "file-prefix shunt-$LAB" | head -1)
[ -n "$pid" ] && [ -d /proc/$pid ] || fail "no shuntd pid"
binder='
import errno, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.bind((sys.argv[1], 0))
    print("attached")
except OSError as e:
    print(errno.errorcode[e.errno])   # EADDRNOTAVAIL: the kernel has no such address
'
main_ticks() { awk '{print $14 + $15}' /proc/$pid/task/$pid/stat; }   # utime + stime of the main lcore's thread

out=$("$SHUNT" run -- $PY -c "$binder" "$SHUNT_LAB_DAEMON_IP") || fail "first app: $out"
[ "$out" = attached ] || fail "an app did not attach before the limit: $out"

# The limit is on fd numbers: below the lowest free one, no new fd fits.
lowest_free=0
while [ -e /proc/$pid/fd/$lowest_free ]; do lowest_free=$((lowest_free + 1)); done
old=$(prlimit --pid $pid --nofile --raw --noheadings -o SOFT,HARD | awk '{print $1 ":" $2}')
prlimit --pid $pid --nofile=$lowest_free:${old#*:} || fail "prlimit"
before=$(main_ticks)
out=$(timeout 20 "$SHUNT" run -- $PY -c "$binder" "$SHUNT_LAB_DAEMON_IP") || fail "app at the limit: exit $? ($out)"
[ "$out" = EADDRNOTAVAIL ] || fail "at the fd limit the app got '$out', not the kernel's EADDRNOTAVAIL"
sleep 2
spent=$(( $(main_ticks) - before ))
prlimit --pid $pid --nofile=$old || fail "prlimit back"
note "main lcore: $spent ticks at the limit (a spin would be about $(getconf CLK_TCK) a second)"
grep -q "out of file descriptors; a client was turned away" "$SHUNT_LAB_RUN_DIR/$LAB/shuntd.log" ||
    fail "no client was turned away: $(tail -5 "$SHUNT_LAB_RUN_DIR/$LAB/shuntd.log")"
[ "$spent" -lt $(( $(getconf CLK_TCK) )) ] || fail "the main lcore spun: $spent ticks in about 2 s"

out=$("$SHUNT" run -- $PY -c "$binder" "$SHUNT_LAB_DAEMON_IP") || fail "app after: $out"
[ "$out" = attached ] || fail "no app attaches once descriptors are free: $out"
echo PASS
