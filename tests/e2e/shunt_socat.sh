#!/usr/bin/env bash
# socat moves 20 MiB each way with a checksum, half-closing when done: the
# receiver sees EOF after the last byte and the sender's reply still arrives
# (shutdown(SHUT_WR) keeps the other direction open).
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
command -v socat >/dev/null || skip "socat is not installed"
lab_lock
lab_start tsocat 239
peer() { "$SHUNT" lab peer -- "$@"; }

head -c 20971520 /dev/urandom > "$TMPDIR_E2E/data"
want=$(sha256sum < "$TMPDIR_E2E/data" | cut -c1-64)

note "socat under shunt sends to socat on the peer, which answers with the checksum"
peer socat -u TCP-LISTEN:7600,bind="$SHUNT_LAB_PEER_IP",reuseaddr SYSTEM:"sha256sum | cut -c1-64 > $TMPDIR_E2E/peer_sum" &
sleep 0.5
"$SHUNT" run -- socat -u "FILE:$TMPDIR_E2E/data" "TCP:$SHUNT_LAB_PEER_IP:7600" || fail "socat sender under shunt"
wait
[ "$(cat "$TMPDIR_E2E/peer_sum")" = "$want" ] || fail "the peer got different bytes"

note "socat under shunt receives from the peer, half-close then reply"
"$SHUNT" run -- socat TCP-LISTEN:7601,bind="$SHUNT_LAB_DAEMON_IP",reuseaddr \
    SYSTEM:"sha256sum | cut -c1-64 | tee $TMPDIR_E2E/shunt_sum" &
sleep 0.5
reply=$(peer socat -t 10 - "TCP:$SHUNT_LAB_DAEMON_IP:7601" < "$TMPDIR_E2E/data") || fail "socat on the peer"
wait
[ "$(cat "$TMPDIR_E2E/shunt_sum")" = "$want" ] || fail "socat under shunt got different bytes"
[ "$reply" = "$want" ] || fail "the reply after the half-close was '$reply'"
