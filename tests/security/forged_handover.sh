#!/usr/bin/env bash
# Issue 20 item 11: SHUNT_HANDOVER (the exec handover, preload/exec_handover)
# names fds by number. A stale or forged value must not make libshunt close
# or change fds that are not what it names: each private fd is checked
# against the socket inode its record gives. Here the records name stdout
# and stderr (pipes) as a dual socket's private fds; the program must still
# write to both. No daemon and no lab: the handover is read at start-up.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
LIB="$SHUNT_BUILD_DIR/lib/libshunt.so"
PY=/usr/bin/python3
[ -x $PY ] || skip "no $PY"
err=$(mktemp)
trap 'rm -f "$err"' EXIT
prog='import os; os.write(1, b"out alive\n"); os.write(2, b"err alive\n")'
# The format of this build (version 4: the holder pair and the private fds
# by number and inode), with inodes that are not those fds', a dual record
# and a plain one, and a holder pair naming stdout and stderr; then the
# previous formats (3: no holder pair; 2: no inodes), which this build must
# refuse whole.
for forged in '4@0,-1,-1,0,0;0,0,0,-1,0,1,2,1,1' '4@0,-1,-1,0,0;0,0,0,-1,-1,1,2,1,1' \
              '4!1,1,2,1@0,-1,-1,0,0;0,0,0,-1,0,1,2,1,1' '4!1,0,2,0' \
              '3@0,-1,-1,0;0,0,0,-1,0,1,2,1,1' '3@0,-1,-1,0;0,0,0,-1,-1,1,2,1,1' \
              '2@0,-1,-1,0;0,0,0,-1,0,1,2' '2@0,-1,-1,0;0,0,0,-1,-1,1,2'; do
    out=$(SHUNT_HANDOVER="$forged" LD_PRELOAD="$LIB" $PY -c "$prog" 2>"$err") ||
        fail "SHUNT_HANDOVER='$forged': exit $? (stdout: '$out'; stderr: $(cat "$err"))"
    [ "$out" = "out alive" ] || fail "SHUNT_HANDOVER='$forged': stdout '$out'"
    grep -q "err alive" "$err" || fail "SHUNT_HANDOVER='$forged': stderr lost: $(cat "$err")"
done
echo PASS
