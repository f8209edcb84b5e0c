#!/usr/bin/env python3
"""UDP on 0.0.0.0, for tests/e2e/shunt_any_udp.sh.
  udp_any.py server PORT N     bind 0.0.0.0:PORT, print "bound", answer N
                               datagrams with "echo:" + payload, then "done"
  udp_any.py ask HOST PORT MSG one datagram, print the reply and its source
  udp_any.py connected PEER PORT MSG
                               a socket bound to 0.0.0.0:0 that connect()s to
                               PEER:PORT, then send() and recv(): prints the
                               reply and getsockname's port being non-zero
  udp_any.py exec-server PORT N
                               bind UDP 0.0.0.0:PORT and listen on TCP
                               0.0.0.0:PORT, then exec this program with both
                               fds; the new image answers N datagrams and
                               echoes N TCP connections, over either stack"""
import os
import socket
import sys


def main():
    mode = sys.argv[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(10)
    if mode == "server":
        u.bind(("0.0.0.0", int(sys.argv[2])))
        print("bound", u.getsockname()[0], u.getsockname()[1], flush=True)
        for _ in range(int(sys.argv[3])):
            d, a = u.recvfrom(65535)
            u.sendto(b"echo:" + d, a)
        print("done", flush=True)
    elif mode == "ask":
        u.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))
        d, a = u.recvfrom(65535)
        print(d.decode(), a[0])
    elif mode == "exec-server":
        port = int(sys.argv[2])
        u.bind(("0.0.0.0", port))
        t = socket.socket()
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # an earlier run's TIME_WAIT
        t.bind(("0.0.0.0", port))
        t.listen(8)
        for s in (u, t):
            os.set_inheritable(s.fileno(), True)
        os.execv(sys.executable, [sys.executable, __file__, "serve-fds", str(u.fileno()), str(t.fileno()),
                                  sys.argv[3]])
    elif mode == "serve-fds":
        u = socket.socket(fileno=int(sys.argv[2]))
        t = socket.socket(fileno=int(sys.argv[3]))
        u.settimeout(20)  # the fds' O_NONBLOCK crossed the exec with them
        t.settimeout(20)
        print("bound after exec", u.getsockname()[0], u.getsockname()[1], t.getsockname()[1], flush=True)
        n = int(sys.argv[4])
        for _ in range(n):
            d, a = u.recvfrom(65535)
            u.sendto(b"echo:" + d, a)
        for _ in range(n):
            c, _ = t.accept()
            c.sendall(b"echo:" + c.recv(100))
            c.close()
        print("done", flush=True)
    elif mode == "ask-tcp":
        c = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=10)
        c.sendall(sys.argv[4].encode())
        print(c.recv(100).decode())
    elif mode == "connected":
        u.bind(("0.0.0.0", 0))
        u.connect((sys.argv[2], int(sys.argv[3])))
        u.send(sys.argv[4].encode())
        d = u.recv(65535)
        print(d.decode(), "port", "set" if u.getsockname()[1] else "zero")


main()
