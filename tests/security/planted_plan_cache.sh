#!/usr/bin/env bash
# Issue 20 item 10: the syscall hook's plan cache (preload/syscall_plan.hpp)
# must not steer the patching of libc. A plan whose bytes match libc but
# whose instruction kinds and branch targets were changed (here: a site's
# `mov $1, %eax` before write(2)'s syscall recorded as a jmp to libc's
# first byte, which relocate() would emit as is) is refused, the program scans again and runs.
# No daemon and no lab: the hook installs at start-up.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
LIB="$SHUNT_BUILD_DIR/lib/libshunt.so"
PY=/usr/bin/python3
[ -x $PY ] || skip "no $PY"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
prog='import os; os.write(1, b"alive\n")'
run() { TMPDIR=$dir LD_PRELOAD="$LIB" SHUNT_LOG=debug $PY -c "$prog" 2>"$dir/log"; }

out=$(run) || fail "first run: exit $? ($(cat "$dir/log"))"
[ "$out" = alive ] || fail "first run printed '$out'"
plan=$(ls "$dir"/shunt-hook-*/*.plan 2>/dev/null | head -1)
[ -n "$plan" ] || { grep -q "syscall hook off" "$dir/log" && skip "syscall hook off here: $(grep 'hook off' "$dir/log")"; fail "no plan cache written"; }
grep -q "(scanned)" "$dir/log" || fail "first run did not scan: $(cat "$dir/log")"
out=$(run) && grep -q "(from the cache)" "$dir/log" || fail "second run did not use the cache: $(cat "$dir/log")"

# The cache's records (preload/syscall_plan_cache.cpp): a 24-byte head, then
# per site its window length n, its syscall's index, and n 32-byte
# instructions {u32 off; u8 size, kind; u8 bytes[15], pad; i64 target}.
$PY - "$plan" <<'PY' || fail "no site to forge in $plan"
import struct, sys
path = sys.argv[1]
b = bytearray(open(path, "rb").read())
magic, text, head = struct.unpack_from("<QQQ", b, 0)
# A write(2) site (`mov $1, %eax; syscall`): the program's own write runs it.
pos = 24
for _ in range(head & 0xffffffff):
    n, sc = b[pos], b[pos + 1]
    pos += 2
    if n == 2 and sc == 1 and b[pos + 6] == 0xb8 and struct.unpack_from("<I", b, pos + 7)[0] == 1:
        b[pos + 5] = 3                             # kind: k_jmp
        struct.pack_into("<q", b, pos + 24, 0)     # target: libc's text start
        open(path, "wb").write(b)
        sys.exit(0)
    pos += 32 * n
sys.exit(1)
PY
out=$(run) || fail "with the forged plan: exit $? ($(tail -n 5 "$dir/log"))"
[ "$out" = alive ] || fail "with the forged plan: printed '$out'"
grep -q "does not match this libc's code" "$dir/log" || fail "the forged plan was not refused: $(cat "$dir/log")"
grep -q "(scanned)" "$dir/log" || fail "no scan after the refusal: $(cat "$dir/log")"
echo PASS
