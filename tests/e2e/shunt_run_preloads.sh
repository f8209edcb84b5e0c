#!/usr/bin/env bash
# `shunt run -- CMD` runs CMD with libshunt.so preloaded (after any existing
# LD_PRELOAD), passes arguments and exit status through, and a program that
# shunt does not accelerate behaves exactly as without it.
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
SHUNT_SOCKET= export SHUNT_SOCKET

out=$("$SHUNT" run -- sh -c 'echo "$LD_PRELOAD"') || fail "shunt run failed"
grep -q "/lib/libshunt.so" <<<"$out" || fail "libshunt.so not preloaded: $out"
out=$(LD_PRELOAD=/lib/x86_64-linux-gnu/libc.so.6 "$SHUNT" run -- sh -c 'echo "$LD_PRELOAD"')
[ "$out" = "/lib/x86_64-linux-gnu/libc.so.6:$SHUNT_BUILD_DIR/lib/libshunt.so" ] || fail "LD_PRELOAD not appended: $out"

"$SHUNT" run -- sh -c 'exit 7'; [ $? = 7 ] || fail "exit status not passed through"
[ "$("$SHUNT" run -- printf '%s|' 'a b' c)" = "a b|c|" ] || fail "arguments not passed through"

note "a kernel program under the preload: python3 TCP echo over loopback"
out=$("$SHUNT" run -- python3 -c "
import socket, threading
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
def serve():
    c, _ = srv.accept(); c.sendall(c.recv(100).upper()); c.close()
t = threading.Thread(target=serve); t.start()
cl = socket.create_connection(srv.getsockname()); cl.sendall(b'hello'); print(cl.recv(100).decode()); t.join()
") || fail "python3 under the preload failed"
[ "$out" = HELLO ] || fail "echo under the preload: $out"

"$SHUNT" run 2>/dev/null; [ $? = 2 ] || fail "shunt run without a command should exit 2"
"$SHUNT" bogus 2>/dev/null; [ $? = 2 ] || fail "unknown command should exit 2"
echo PASS
