#!/usr/bin/env python3
"""UDP on 0.0.0.0, for tests/e2e/shunt_any_udp.sh.
  udp_any.py server PORT N     bind 0.0.0.0:PORT, print "bound", answer N
                               datagrams with "echo:" + payload, then "done"
  udp_any.py ask HOST PORT MSG one datagram, print the reply and its source
  udp_any.py connected PEER PORT MSG
                               a socket bound to 0.0.0.0:0 that connect()s to
                               PEER:PORT, then send() and recv(): prints the
                               reply and getsockname's port being non-zero"""
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
    elif mode == "connected":
        u.bind(("0.0.0.0", 0))
        u.connect((sys.argv[2], int(sys.argv[3])))
        u.send(sys.argv[4].encode())
        d = u.recv(65535)
        print(d.decode(), "port", "set" if u.getsockname()[1] else "zero")


main()
