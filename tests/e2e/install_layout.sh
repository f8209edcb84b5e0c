#!/usr/bin/env bash
# make install (staged with DESTDIR) puts each file where docs/install.md
# says: shuntd in sbin, shunt and shuntctl in bin, libshunt.so.0 (its
# soname) in the multiarch libdir, shuntd.conf (never over one already
# there), the systemd unit (systemd-analyze verify accepts it), the
# tmpfiles.d entry, the hugepages example and the man page. The staged tree
# runs a program accelerated with no build tree (its own shunt, shuntd and
# libshunt), and make uninstall leaves nothing behind but a shuntd.conf the
# operator changed.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
lab_lock
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
prefix=$(sed -n 's/^prefix = //p' "$SHUNT_BUILD_DIR/Makefile")
multiarch=$(sed -n 's/^MULTIARCH = //p' "$SHUNT_BUILD_DIR/Makefile")
root=$stage/root
top=$root$prefix

note "make install DESTDIR=..."
make -C "$SHUNT_BUILD_DIR" install DESTDIR="$root" >"$stage/install.log" 2>&1 ||
    { tail -n 20 "$stage/install.log"; fail "make install"; }
lib=$top/lib${multiarch:+/$multiarch}
for f in sbin/shuntd bin/shunt bin/shuntctl etc/shunt/shuntd.conf lib/systemd/system/shuntd.service \
         lib/tmpfiles.d/shunt.conf share/doc/shunt/examples/60-shunt-hugepages.conf share/doc/shunt/install.md \
         share/man/man1/shuntctl.1; do
    [ -f "$top/$f" ] || fail "make install did not put $prefix/$f"
done
[ -x "$top/sbin/shuntd" ] && [ ! -e "$top/bin/shuntd" ] || fail "shuntd belongs in sbin only"
[ -f "$lib/libshunt.so.0" ] || fail "no libshunt.so.0 in ${lib#$root}"
[ "$(readlink "$lib/libshunt.so")" = libshunt.so.0 ] || fail "libshunt.so is not a link to libshunt.so.0"
readelf -d "$lib/libshunt.so.0" | grep -q 'Library soname: \[libshunt.so.0\]' || fail "libshunt.so.0 has no soname"
grep -qx 'd /run/shunt 0755 root root -' "$top/lib/tmpfiles.d/shunt.conf" || fail "tmpfiles entry"

note "the unit runs the installed shuntd on the installed configuration, checked first"
unit=$top/lib/systemd/system/shuntd.service
grep -qx "ExecStartPre=$prefix/sbin/shuntd --config $prefix/etc/shunt/shuntd.conf --check" "$unit" ||
    fail "unit's ExecStartPre: $(grep ExecStartPre "$unit")"
grep -qx "ExecStart=$prefix/sbin/shuntd --config $prefix/etc/shunt/shuntd.conf" "$unit" || fail "unit's ExecStart"
grep -qx 'RuntimeDirectory=shunt' "$unit" || fail "unit's RuntimeDirectory"
"$top/sbin/shuntd" --config "$top/etc/shunt/shuntd.conf" --check >/dev/null 2>&1 || fail "the installed shuntd.conf is not valid"
if command -v systemd-analyze >/dev/null; then
    # Its paths pointed into the staged tree, where the programs are.
    sed "s|$prefix/|$top/|g" "$unit" >"$stage/shuntd.service"
    systemd-analyze verify --man=no "$stage/shuntd.service" >"$stage/verify.log" 2>&1 ||
        fail "systemd-analyze verify: $(cat "$stage/verify.log")"
else
    note "systemd-analyze is not installed: the unit is not verified"
fi

note "a second install keeps the operator's shuntd.conf"
echo "# changed by the operator" >>"$top/etc/shunt/shuntd.conf"
make -C "$SHUNT_BUILD_DIR" install DESTDIR="$root" >"$stage/install2.log" 2>&1 || fail "second make install"
grep -q 'changed by the operator' "$top/etc/shunt/shuntd.conf" || fail "make install overwrote shuntd.conf"

note "the staged tree runs a program accelerated, with no build tree"
SHUNT=$top/bin/shunt
SHUNTCTL=$top/bin/shuntctl
lab_start tinstall 254
# The lab goes down through the build tree's shunt (the staged one goes
# with the stage), before the stage is removed: its shuntd holds the lab
# lock every other lab test waits on.
trap 'rc=$?; SHUNT=$BIN/shunt; "$SHUNT" lab down >/dev/null 2>&1; rm -rf "$stage"; (exit $rc); lab_cleanup' EXIT
pid=$(cat "$SHUNT_LAB_RUN_DIR/tinstall/shuntd.pid")
[ "$(readlink "/proc/$pid/exe")" = "$top/sbin/shuntd" ] || fail "the lab's shuntd is $(readlink "/proc/$pid/exe")"
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
"$SHUNT" lab peer -- python3 "$PROGS/echo_server.py" "$SHUNT_LAB_PEER_IP" 7000 1 >"$TMPDIR_E2E/srv" 2>&1 &
for _ in $(seq 50); do grep -q listening "$TMPDIR_E2E/srv" && break; sleep 0.1; done
out=$(env -u SHUNT_LIBRARY "$SHUNT" run -- bash -c 'tr ":" "\n" <<<"$LD_PRELOAD"; exec python3 "$0" "$@"' \
    "$PROGS/echo_client.py" "$SHUNT_LAB_PEER_IP" 7000 100000) || fail "client: $out"
grep -qx "$lib/libshunt.so.0" <<<"$(realpath -m $(grep libshunt <<<"$out"))" ||
    fail "the program did not preload the installed libshunt.so.0: $out"
grep -q '^ok' <<<"$out" || fail "client: $out"
for _ in $(seq 20); do  # the worker publishes its counts every 100 ms
    opens=$("$SHUNTCTL" stats --json | json_get '["tcp"]["active_opens"]')
    [ "${opens:-0}" -ge 1 ] && break
    sleep 0.1
done
[ "${opens:-0}" -ge 1 ] || fail "shuntd opened no connection: the client was not accelerated"
"$SHUNT" lab down >/dev/null || fail "lab down"
assert_lab_gone tinstall 10.254.1

note "make uninstall removes everything but the changed shuntd.conf"
make -C "$SHUNT_BUILD_DIR" uninstall DESTDIR="$root" >"$stage/uninstall.log" 2>&1 || fail "make uninstall"
left=$(cd "$root" && find . \( -type f -o -type l \) | sort)
[ "$left" = "./${prefix#/}/etc/shunt/shuntd.conf" ] || fail "left after make uninstall: $left"
rm -f "$top/etc/shunt/shuntd.conf"
make -C "$SHUNT_BUILD_DIR" install DESTDIR="$root" >/dev/null 2>&1 || fail "third make install"
make -C "$SHUNT_BUILD_DIR" uninstall DESTDIR="$root" >/dev/null 2>&1 || fail "second make uninstall"
left=$(cd "$root" && find . \( -type f -o -type l \) | sort)
[ -z "$left" ] || fail "an unchanged shuntd.conf is left after make uninstall: $left"
trap - EXIT
rm -rf "$stage"
echo PASS
