# The compatibility cases (sourced by run.sh). Each case_NAME prints what the
# program observed, never addresses, ports or timings. In both modes:
#   RUN   prefix that runs a program under test ("" or "shunt run --")
#   PEER  the peer host's address on the path under test
#   SELF  this host's address on that path (for servers under test)
#   peer  runs a command on the peer host (kernel, both modes)
# needs_NAME prints why a case cannot run here (a missing program), if so.

CASES=(
  "curl_download_100m|curl under test downloads 100 MiB from nginx on the peer, byte-exact"
  "nginx_serves_curl|nginx under test (epoll, sendfile, a forked worker) serves 100 MiB and a keep-alive pair"
  "nginx_short_connections|nginx under test answers 200 sequential short connections"
  "wrk_nginx|wrk on the peer drives nginx under test: no errors, all 2xx"
  "haproxy_proxies_nginx|haproxy under test proxies the peer's curl to nginx on the peer"
  "redis_server|redis-server under test: redis-cli values and redis-benchmark from the peer"
  "redis_cli|redis-cli under test against redis-server on the peer"
  "memcached_server|memcached under test: set/get/delete over its text protocol from the peer"
  "iperf3_tcp_send|iperf3 client under test sends to the peer: exits 0, bytes arrive"
  "iperf3_tcp_receive|iperf3 client under test receives (-R) from the peer"
  "iperf3_tcp_server|iperf3 server under test, client on the peer"
  "iperf3_udp_send|iperf3 UDP client under test"
  "iperf3_udp_receive|iperf3 UDP client under test, receiving (-R)"
  "iperf3_udp_server|iperf3 UDP server under test"
  "sockperf_udp_pingpong|sockperf server under test answers a UDP ping-pong from the peer"
  "sockperf_tcp_throughput|sockperf server under test receives a TCP throughput run from the peer"
  "sockperf_udp_throughput|sockperf server under test receives a UDP throughput run from the peer"
  "sockperf_tcp_pingpong|sockperf server under test answers a TCP ping-pong from the peer"
  "socat_send_100m|socat under test sends 100 MiB to the peer: the checksum matches"
  "socat_half_close|socat under test receives 20 MiB, sees EOF, and its reply still arrives"
  "nc_send_100m|nc under test sends 100 MiB to nc on the peer: the checksum matches"
  "python_socket_client|python3 socket echo client under test, 5 MiB"
  "python_threaded_server|python3 threaded echo server under test, 3 concurrent clients"
  "python_forking_server|python3 socketserver.ForkingTCPServer under test, 5 clients"
  "python_asyncio|python3 asyncio echo server and client, both under test"
  "python_http_server|python3 http.server under test, urllib on the peer"
  "python_selectors|python3 selectors client under test, non-blocking with partial writes"
  "probe_nonblocking_connect|non-blocking connect: EINPROGRESS, EALREADY, writable, SO_ERROR 0, EISCONN"
  "probe_connect_refused|ECONNREFUSED blocking and non-blocking, poll flags, SO_ERROR read once"
  "probe_eagain|EAGAIN with O_NONBLOCK and MSG_DONTWAIT, poll timeouts, data arriving later"
  "probe_peek_waitall|MSG_PEEK, MSG_WAITALL across two segments, FIONREAD"
  "probe_half_close|shutdown(SHUT_WR): EPIPE after it, the peer's reply, EOF and poll flags"
  "probe_reset_by_peer|RST from the peer: poll flags, ECONNRESET once, EPIPE, SIGPIPE unless MSG_NOSIGNAL"
  "probe_linger_zero|SO_LINGER 0 resets, a plain close sends FIN after every byte"
  "probe_dup_fork|dup'ed fds share a socket; a forked child uses it; its close leaves the parent's open"
  "probe_epoll_mixed|epoll over a socket and a pipe: LT, ET, ONESHOT, nested epoll"
  "probe_poll_select|poll, ppoll and select over sockets alone and with a pipe: before and after data, partial and whole reads, POLLOUT, negative fds"
  "probe_epoll_level|level-triggered epoll: partial and whole reads, MOD, DEL, close with a dup open, fairness, a pipe beside a busy socket, a forked child"
  "probe_sockopts|socket options read back as the kernel reports them, invalid values refused"
  "probe_rcvtimeo|SO_RCVTIMEO bounds a blocking recv with EAGAIN"
  "probe_threads|four threads send on one socket, one reads: all records, in order"
  "probe_high_fd_select|select on a socket dup2'ed near FD_SETSIZE; ephemeral port after connect"
  "probe_udp|UDP: implicit bind, source address, FIONREAD, PEEK, TRUNC, EDESTADDRREQ, EMSGSIZE, connect, mmsg, 60000-byte datagram"
  "probe_exec_inherit|an inetd-style handler exec'ed (fork+execl, posix_spawn) with the socket on stdin/stdout; close-on-exec sockets released"
  "probe_close_all|closing every fd (close loop, closefrom, close_range, dup2 over them): sockets close, shunt survives"
  "probe_splice|splice between a pipe and a socket both ways, byte-exact; O_NONBLOCK vs SPLICE_F_NONBLOCK, EINVAL, EOF"
  "probe_epoll_exclusive|EPOLLEXCLUSIVE: one arrival wakes at least one of four exclusive waiters, not all"
  "probe_signal_reentry|a signal handler writing to the socket its thread is writing to: no hang, every byte echoed"
  "probe_bind_privileged|after dropping root: EACCES below ip_unprivileged_port_start (TCP and UDP), ephemeral ok, EADDRINUSE"
  "probe_stdio|stdio on a socket (fdopen, fprintf, fgets, fclose: libc's internal read/write/close)"
  "probe_children|system(), popen() and posix_spawn with an accelerated connection open; a spawned shell writes to the inherited socket"
  "probe_sndtimeo|SO_SNDTIMEO bounds a blocking send to a peer that never reads (EAGAIN after the timeout)"
  "probe_stray_calls|close(-1), fcntl and dup2(fd, fd) over every fd number (shunt's own among them), a shell pipeline: the kernel's answers, nothing breaks"
  "probe_raw_syscall|SHUNT_SUD=1: raw syscall instructions in the program (main thread, a new thread, a forked child) and syscall(3) on an accelerated socket"
  "probe_etimedout|the peer vanishes under an idle keepalive connection: ETIMEDOUT from the blocked recv, then EOF and EPIPE"
  "probe_reuseport|SO_REUSEPORT: two TCP listeners and two UDP sockets share a port; the peer's connections and datagrams spread over both; a bind without it is refused"
  "probe_server_accept|server: EADDRINUSE, getsockname, SO_ACCEPTCONN, accept4 flags, echo"
  "probe_seccomp_sandbox|a process under a seccomp filter allowing only read, write, the poll family, futex and exit echoes over its connection"
)

mode_kernel() { MODE=kernel; RUN=(); PEER=$SHUNT_LAB_KERNEL_PEER_IP; SELF=$SHUNT_LAB_KERNEL_IP; }
mode_shunt() { MODE=shunt; RUN=("$SHUNT" run --); PEER=$SHUNT_LAB_PEER_IP; SELF=$SHUNT_LAB_DAEMON_IP; }
have() { command -v "$1" >/dev/null 2>&1 || echo "$1 not installed"; }
sha() { sha256sum | cut -c1-16; }
wait_line() { for _ in $(seq 100); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
# wait_tcp HOST PORT: until a server accepts there (seen from the peer), 10 s at most.
wait_tcp() { for _ in $(seq 100); do peer bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
stop() { for p in "$@"; do kill_tree "$p"; done; for p in "$@"; do wait "$p" 2>/dev/null; done; }
DATA=""
PORT_BASE=20000
# port: a fresh port for this run of a case, in $P (a function setting a
# variable: $(port) would run in a subshell and never advance).
port() { PORT_BASE=$((PORT_BASE + 1)); P=$PORT_BASE; }

. "$SHUNT_SRC_DIR/tests/e2e/progs/nginx_conf.sh"

suite_setup() {
    DATA="$TMPDIR_E2E/www"
    mkdir -p "$DATA"
    head -c 104857600 /dev/urandom > "$DATA/big.bin"
    head -c 20971520 /dev/urandom > "$DATA/mid.bin"
    echo hello > "$DATA/index.html"
    if command -v nginx >/dev/null; then
        nginx_conf 0.0.0.0 8080 peer "$DATA" "$TMPDIR_E2E" > "$TMPDIR_E2E/peer-nginx.conf"
        peer nginx -c "$TMPDIR_E2E/peer-nginx.conf" -e "$TMPDIR_E2E/peer.err" &
        PEER_NGINX=$!
        sleep 0.5
    fi
}
suite_teardown() { [ -n "${PEER_NGINX:-}" ] && stop "$PEER_NGINX"; }

# --- web ---------------------------------------------------------------------
needs_curl_download_100m() { have curl; have nginx; }
case_curl_download_100m() {
    "${RUN[@]}" curl -s -m 60 -w '%{http_code} %{size_download}\n' -o "$TMPDIR_E2E/dl.bin" "http://$PEER:8080/big.bin"
    sha < "$TMPDIR_E2E/dl.bin"
    [ "$(sha < "$TMPDIR_E2E/dl.bin")" = "$(sha < "$DATA/big.bin")" ] && echo same-as-file
}

nginx_under_test() {  # starts nginx under test on SELF:$1
    nginx_conf "$SELF" "$1" "$MODE-$1" "$DATA" "$TMPDIR_E2E" > "$TMPDIR_E2E/$MODE-$1.conf"
    "${RUN[@]}" nginx -c "$TMPDIR_E2E/$MODE-$1.conf" -e "$TMPDIR_E2E/$MODE-$1.err" &
    NGINX=$!
    for _ in $(seq 50); do peer curl -s -o /dev/null "http://$SELF:$1/index.html" && return 0; sleep 0.1; done
    return 1
}

needs_nginx_serves_curl() { have curl; have nginx; }
case_nginx_serves_curl() {
    port; local p=$P
    nginx_under_test "$p" || echo "nginx did not start"
    peer curl -s -m 60 "http://$SELF:$p/big.bin" | sha
    peer curl -s -m 10 "http://$SELF:$p/index.html" "http://$SELF:$p/index.html"
    stop "$NGINX"
}

needs_nginx_short_connections() { have curl; have nginx; }
case_nginx_short_connections() {
    port; local p=$P
    nginx_under_test "$p" || echo "nginx did not start"
    peer python3 - "$SELF" "$p" <<'PY'
import sys, urllib.request
ok = 0
for i in range(200):
    with urllib.request.urlopen("http://%s:%s/index.html" % (sys.argv[1], sys.argv[2]), timeout=10) as r:
        ok += r.read() == b"hello\n"
print("ok", ok)
PY
    stop "$NGINX"
}

needs_wrk_nginx() { have wrk; have nginx; have curl; }
case_wrk_nginx() {
    port; local p=$P
    nginx_under_test "$p" || echo "nginx did not start"
    out=$(peer wrk -t1 -c20 -d2s "http://$SELF:$p/index.html" 2>&1)
    grep -q "Non-2xx" <<<"$out" && echo "non-2xx responses"
    grep -q "Socket errors" <<<"$out" && echo "socket errors: $(grep 'Socket errors' <<<"$out")"
    req=$(awk '/requests in/ {print $1}' <<<"$out")
    [ "${req:-0}" -gt 100 ] && echo "requests completed"
    stop "$NGINX"
}

needs_haproxy_proxies_nginx() { have haproxy; have curl; have nginx; }
case_haproxy_proxies_nginx() {
    port; local p=$P
    cat > "$TMPDIR_E2E/haproxy-$MODE.cfg" <<CFG
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend f
  bind $SELF:$p
  default_backend b
backend b
  server s1 $PEER:8080
CFG
    "${RUN[@]}" haproxy -f "$TMPDIR_E2E/haproxy-$MODE.cfg" -db > "$TMPDIR_E2E/haproxy-$MODE.log" 2>&1 &
    local h=$!
    for _ in $(seq 50); do peer curl -s -o /dev/null "http://$SELF:$p/index.html" && break; sleep 0.1; done
    peer curl -s -m 30 "http://$SELF:$p/mid.bin" | sha
    peer curl -s -m 10 "http://$SELF:$p/index.html"
    stop "$h"
}

# --- key-value stores --------------------------------------------------------
needs_redis_server() { have redis-server; have redis-benchmark; }
case_redis_server() {
    port; local p=$P
    "${RUN[@]}" redis-server --bind "$SELF" --port "$p" --save "" --appendonly no --protected-mode no \
        --dir "$TMPDIR_E2E" > /dev/null 2>&1 &
    local r=$!
    for _ in $(seq 50); do peer redis-cli -h "$SELF" -p "$p" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
    peer redis-cli -h "$SELF" -p "$p" set k "hello there"
    peer redis-cli -h "$SELF" -p "$p" get k
    peer redis-cli -h "$SELF" -p "$p" incrby n 41
    peer redis-cli -h "$SELF" -p "$p" incr n
    head -c 300000 /dev/zero | tr '\0' 'z' > "$TMPDIR_E2E/val"
    peer redis-cli -h "$SELF" -p "$p" -x set big < "$TMPDIR_E2E/val"
    peer redis-cli -h "$SELF" -p "$p" strlen big
    peer redis-benchmark -h "$SELF" -p "$p" -n 20000 -c 20 -t set,get -q 2>&1 | tr '\r' '\n' |
        grep -E '^(SET|GET): [0-9.]+ requests per second' | cut -d: -f1
    stop "$r"
}

needs_redis_cli() { have redis-server; }
case_redis_cli() {
    port; local p=$P
    peer redis-server --bind "$PEER" --port "$p" --save "" --appendonly no --protected-mode no --dir "$TMPDIR_E2E" \
        > /dev/null 2>&1 &
    local r=$!
    for _ in $(seq 50); do peer redis-cli -h "$PEER" -p "$p" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
    "${RUN[@]}" redis-cli -h "$PEER" -p "$p" set k v1
    "${RUN[@]}" redis-cli -h "$PEER" -p "$p" rpush l a b c
    "${RUN[@]}" redis-cli -h "$PEER" -p "$p" lrange l 0 -1
    "${RUN[@]}" redis-cli -h "$PEER" -p "$p" get missing
    stop "$r"
}

needs_memcached_server() { have memcached; }
case_memcached_server() {
    port; local p=$P
    "${RUN[@]}" memcached -u root -l "$SELF" -p "$p" -U 0 > /dev/null 2>&1 &
    local m=$!
    sleep 0.5
    peer python3 - "$SELF" "$p" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
f = s.makefile("rwb")
def cmd(line, data=None):
    f.write(line.encode() + b"\r\n")
    if data is not None:
        f.write(data + b"\r\n")
    f.flush()
    return f.readline().decode().strip()
print(cmd("set a 0 0 5", b"hello"))
print(cmd("get a"), f.readline().decode().strip(), f.readline().decode().strip())
big = b"x" * 500000
print(cmd("set b 0 0 %d" % len(big), big))
f.write(b"get b\r\n"); f.flush()
print(f.readline().decode().strip(), len(f.readline()) - 2, f.readline().decode().strip())
print(cmd("delete a"))
print(cmd("get a"))
PY
    stop "$m"
}

# --- bulk transfer -----------------------------------------------------------
needs_iperf3_tcp_send() { have iperf3; }
iperf_pair() {  # iperf_pair EXTRA_ARGS...: client under test, server on the peer
    port; local p=$P
    peer iperf3 -s -B "$PEER" -p "$p" -1 > /dev/null 2>&1 &
    local s=$!
    sleep 0.4
    "${RUN[@]}" iperf3 -c "$PEER" -p "$p" -t 2 -J "$@" > "$TMPDIR_E2E/iperf-$MODE.json"
    echo "client exit $?"
    wait "$s"; echo "server exit $?"
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); e=d['end']; s=e.get('sum_received') or e.get('sum'); print('bytes received', s['bytes'] > 1000000)" "$TMPDIR_E2E/iperf-$MODE.json"
}
case_iperf3_tcp_send() { iperf_pair; }
needs_iperf3_tcp_receive() { have iperf3; }
case_iperf3_tcp_receive() { iperf_pair -R; }
needs_iperf3_udp_send() { have iperf3; }
case_iperf3_udp_send() { iperf_pair -u -b 100M; }
needs_iperf3_udp_receive() { have iperf3; }
case_iperf3_udp_receive() { iperf_pair -u -b 100M -R; }
needs_iperf3_udp_server() { have iperf3; }
case_iperf3_udp_server() {
    port; local p=$P
    "${RUN[@]}" iperf3 -s -B "$SELF" -p "$p" -1 > /dev/null 2>&1 &
    local s=$!
    sleep 0.5
    peer iperf3 -c "$SELF" -p "$p" -u -b 100M -t 2 > /dev/null; echo "client exit $?"
    wait "$s"; echo "server exit $?"
}
needs_iperf3_tcp_server() { have iperf3; }
case_iperf3_tcp_server() {
    port; local p=$P
    "${RUN[@]}" iperf3 -s -B "$SELF" -p "$p" -1 > /dev/null 2>&1 &
    local s=$!
    sleep 0.5
    peer iperf3 -c "$SELF" -p "$p" -t 2 > /dev/null; echo "client exit $?"
    wait "$s"; echo "server exit $?"
}

needs_sockperf_tcp_pingpong() { have sockperf; }
case_sockperf_tcp_pingpong() {
    port; local p=$P
    "${RUN[@]}" sockperf server --tcp -i "$SELF" -p "$p" > /dev/null 2>&1 &
    local s=$!
    sleep 0.5
    out=$(peer sockperf ping-pong --tcp -i "$SELF" -p "$p" -t 2 2>&1); echo "client exit $?"
    grep -q "avg-latency" <<<"$out" && echo "latency reported"
    stop "$s"
}

needs_sockperf_udp_pingpong() { have sockperf; }
case_sockperf_udp_pingpong() {
    port; local p=$P
    "${RUN[@]}" sockperf server -i "$SELF" -p "$p" > /dev/null 2>&1 &
    local s=$!
    sleep 0.5
    out=$(peer sockperf ping-pong -i "$SELF" -p "$p" -t 2 2>&1); echo "client exit $?"
    grep -q "avg-latency" <<<"$out" && echo "latency reported"
    stop "$s"
}

sockperf_throughput() {  # sockperf_throughput [--tcp]
    port; local p=$P
    "${RUN[@]}" sockperf server "$@" -i "$SELF" -p "$p" > /dev/null 2>&1 &
    local s=$!
    sleep 0.5
    out=$(peer sockperf throughput "$@" -i "$SELF" -p "$p" -t 2 -m 1400 2>&1); echo "client exit $?"
    grep -q "Message Rate is" <<<"$out" && echo "rate reported"
    stop "$s"
}
needs_sockperf_tcp_throughput() { have sockperf; }
case_sockperf_tcp_throughput() { sockperf_throughput --tcp; }
needs_sockperf_udp_throughput() { have sockperf; }
case_sockperf_udp_throughput() { sockperf_throughput; }

needs_socat_send_100m() { have socat; }
case_socat_send_100m() {
    port; local p=$P
    rm -f "$TMPDIR_E2E/peer_sum"
    peer socat -u TCP-LISTEN:"$p",bind="$PEER",reuseaddr SYSTEM:"sha256sum | cut -c1-16 > $TMPDIR_E2E/peer_sum" &
    local s=$!
    sleep 0.4
    "${RUN[@]}" socat -u "FILE:$DATA/big.bin" "TCP:$PEER:$p"; echo "socat exit $?"
    wait "$s"
    cat "$TMPDIR_E2E/peer_sum"
}

needs_socat_half_close() { have socat; }
case_socat_half_close() {
    port; local p=$P
    "${RUN[@]}" socat TCP-LISTEN:"$p",bind="$SELF",reuseaddr SYSTEM:"sha256sum | cut -c1-16" &
    local s=$!
    sleep 0.5
    peer socat -t 10 - "TCP:$SELF:$p" < "$DATA/mid.bin"; echo "peer socat exit $?"
    wait "$s"; echo "socat exit $?"
}

needs_nc_send_100m() { have nc; }
case_nc_send_100m() {
    port; local p=$P
    # -d: the listener never reads its stdin (a background job's is /dev/null,
    # whose EOF would make it half-close and quit mid-transfer).
    peer sh -c "nc -d -l -s $PEER -p $p | sha256sum | cut -c1-16" > "$TMPDIR_E2E/nc_sum" &
    local s=$!
    sleep 0.4
    "${RUN[@]}" nc -q 1 "$PEER" "$p" < "$DATA/big.bin"; echo "nc exit $?"
    wait "$s"
    cat "$TMPDIR_E2E/nc_sum"
}

# --- python --------------------------------------------------------------------
PROGS="$SHUNT_SRC_DIR/tests/e2e/progs"
needs_python_socket_client() { have python3; }
case_python_socket_client() { "${RUN[@]}" python3 "$PROGS/echo_client.py" "$PEER" 9001 5242880 | cut -d' ' -f1,3; }

needs_python_threaded_server() { have python3; }
case_python_threaded_server() {
    port; local p=$P
    "${RUN[@]}" python3 "$PROGS/echo_server.py" "$SELF" "$p" 3 --threads > "$TMPDIR_E2E/ts-$MODE" 2>&1 &
    local s=$!
    wait_line listening "$TMPDIR_E2E/ts-$MODE"
    for i in 1 2 3; do peer python3 "$PROGS/echo_client.py" "$SELF" "$p" $((1000000 * i)) > "$TMPDIR_E2E/tc$i" & done
    wait %2 %3 %4 2>/dev/null
    for i in 1 2 3; do cut -d' ' -f1,3 "$TMPDIR_E2E/tc$i"; done
    wait "$s"; echo "server exit $?"
}

needs_python_forking_server() { have python3; }
case_python_forking_server() {
    port; local p=$P
    "${RUN[@]}" python3 - "$SELF" "$p" > "$TMPDIR_E2E/fs-$MODE" 2>&1 <<'PY' &
import socketserver, sys, os
class H(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline()
        self.wfile.write(b"child says " + line)
class S(socketserver.ForkingTCPServer):
    allow_reuse_address = True
with S((sys.argv[1], int(sys.argv[2])), H) as srv:
    print("listening", flush=True)
    for _ in range(5):
        srv.handle_request()
PY
    local s=$!
    wait_line listening "$TMPDIR_E2E/fs-$MODE"
    for i in 1 2 3 4 5; do peer python3 "$SHUNT_SRC_DIR/tests/compat/peer_helper.py" connect "$SELF" "$p" "hello $i
"; done
    wait "$s"; echo "server exit $?"
}

needs_python_asyncio() { have python3; }
case_python_asyncio() {
    port; local p=$P
    "${RUN[@]}" python3 - "$SELF" "$p" <<'PY'
import asyncio, sys, hashlib
async def handle(r, w):
    while data := await r.read(65536):
        w.write(data)
        await w.drain()
    w.close()
async def main():
    srv = await asyncio.start_server(handle, sys.argv[1], int(sys.argv[2]))
    async def client(n):
        r, w = await asyncio.open_connection(sys.argv[1], int(sys.argv[2]))
        payload = bytes(range(256)) * (n // 256)
        w.write(payload); await w.drain(); w.write_eof()
        got = await r.read(-1)
        w.close()
        return got == payload
    results = await asyncio.gather(*(client(256 * 1024 * (i + 1)) for i in range(4)))
    print("clients ok", results)
    srv.close(); await srv.wait_closed()
asyncio.run(main())
PY
}

needs_python_http_server() { have python3; }
case_python_http_server() {
    port; local p=$P
    (cd "$DATA" && "${RUN[@]}" python3 -m http.server "$p" --bind "$SELF" > "$TMPDIR_E2E/hs-$MODE" 2>&1) &
    local s=$!
    wait_tcp "$SELF" "$p"
    peer python3 - "$SELF" "$p" <<'PY'
import hashlib, sys, urllib.request
base = "http://%s:%s/" % (sys.argv[1], sys.argv[2])
with urllib.request.urlopen(base + "mid.bin", timeout=30) as r:
    print(r.status, hashlib.sha256(r.read()).hexdigest()[:16])
with urllib.request.urlopen(base + "index.html", timeout=10) as r:
    print(r.status, r.read())
try:
    urllib.request.urlopen(base + "missing", timeout=10)
except urllib.error.HTTPError as e:
    print("missing", e.code)
PY
    stop "$s"
    pkill -f "http.server $p --bind $SELF" 2>/dev/null
}

needs_python_selectors() { have python3; }
case_python_selectors() {
    "${RUN[@]}" python3 - "$PEER" <<'PY'
import selectors, socket, sys, hashlib
sel = selectors.DefaultSelector()
s = socket.socket(); s.setblocking(False)
try:
    s.connect((sys.argv[1], 9001))
except BlockingIOError:
    print("connect in progress")
data = bytes(range(256)) * 16384  # 4 MiB
sent = 0; got = bytearray(); partial = 0
sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
while len(got) < len(data):
    for key, ev in sel.select(timeout=10):
        if ev & selectors.EVENT_WRITE and sent < len(data):
            n = s.send(data[sent:sent + 1 << 20])
            partial += n < min(1 << 20, len(data) - sent)
            sent += n
            if sent == len(data):
                sel.modify(s, selectors.EVENT_READ)
        if ev & selectors.EVENT_READ:
            d = s.recv(1 << 20)
            if not d:
                break
            got.extend(d)
print("echoed", bytes(got) == data)
PY
}

# --- semantic probes -------------------------------------------------------------
for p in nonblocking_connect connect_refused eagain peek_waitall half_close reset_by_peer linger_zero \
         dup_fork epoll_mixed epoll_level poll_select sockopts rcvtimeo threads high_fd_select udp exec_inherit close_all splice epoll_exclusive signal_reentry stdio children sndtimeo stray_calls etimedout seccomp_sandbox; do
    eval "needs_probe_$p() { [ -x \"\$PROBES/$p\" ] || echo 'probe not built'; }"
    eval "case_probe_$p() { \"\${RUN[@]}\" \"\$PROBES/$p\" \"\$PEER\"; }"
done
needs_probe_raw_syscall() { [ -x "$PROBES/raw_syscall" ] || echo 'probe not built'; }
case_probe_raw_syscall() { env SHUNT_SUD=1 "${RUN[@]}" "$PROBES/raw_syscall" "$PEER"; }
needs_probe_bind_privileged() { [ -x "$PROBES/bind_privileged" ] || echo 'probe not built'; }
case_probe_bind_privileged() { "${RUN[@]}" "$PROBES/bind_privileged" "$SELF"; }
needs_probe_reuseport() { [ -x "$PROBES/reuseport" ] || echo 'probe not built'; }
case_probe_reuseport() {
    port; local p=$P
    "${RUN[@]}" "$PROBES/reuseport" "$SELF" "$p" 16 > "$TMPDIR_E2E/rp-$MODE" 2>&1 &
    local s=$!
    wait_line listening "$TMPDIR_E2E/rp-$MODE"
    peer python3 -c 'import socket, sys, time
n = int(sys.argv[3])
for i in range(n):
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10).close()
for i in range(n):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"ping", (sys.argv[1], int(sys.argv[2])))
    u.close()
    time.sleep(0.01)' "$SELF" "$p" 16
    wait "$s"
    cat "$TMPDIR_E2E/rp-$MODE"
}
needs_probe_server_accept() { [ -x "$PROBES/server_accept" ] || echo 'probe not built'; }
case_probe_server_accept() {
    port; local p=$P
    "${RUN[@]}" "$PROBES/server_accept" "$SELF" "$p" > "$TMPDIR_E2E/sa-$MODE" 2>&1 &
    local s=$!
    wait_line listening "$TMPDIR_E2E/sa-$MODE"
    echo "peer got: $(peer python3 "$SHUNT_SRC_DIR/tests/compat/peer_helper.py" connect "$SELF" "$p" "knock knock")"
    wait "$s"
    cat "$TMPDIR_E2E/sa-$MODE"
}
