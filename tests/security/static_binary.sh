#!/usr/bin/env bash
# Issue 20 item 12: a statically linked program cannot take libshunt (no
# LD_PRELOAD reaches it), so its sockets stay on the kernel; `shunt run`
# says so instead of running it unaccelerated without a word. A dynamic
# program gets no such message. The program runs either way, its exit
# status kept. No lab needed.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
command -v gcc >/dev/null || skip "no gcc"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'int main(void) { return 3; }\n' >"$dir/prog.c"
gcc -static -o "$dir/static" "$dir/prog.c" 2>"$dir/err" || skip "no static libc: $(cat "$dir/err")"
gcc -o "$dir/dynamic" "$dir/prog.c" || fail "gcc"
rc=0; "$SHUNT" run -- "$dir/static" 2>"$dir/static.err" || rc=$?
[ $rc = 3 ] || fail "the static program's exit status: $rc"
grep -q "is statically linked: libshunt cannot be loaded into it" "$dir/static.err" ||
    fail "no word about the static program: $(cat "$dir/static.err")"
rc=0; "$SHUNT" run -- "$dir/dynamic" 2>"$dir/dynamic.err" || rc=$?
[ $rc = 3 ] || fail "the dynamic program's exit status: $rc"
[ ! -s "$dir/dynamic.err" ] || fail "a message for a dynamic program: $(cat "$dir/dynamic.err")"
# A command found on PATH, and a script (its interpreter is dynamic).
rc=0; out=$("$SHUNT" run -- sh -c 'exit 5' 2>&1) || rc=$?
[ $rc = 5 ] && [ -z "$out" ] || fail "sh -c: exit $rc, '$out'"
echo PASS
