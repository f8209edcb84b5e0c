#!/usr/bin/env python3
"""Opens a known set of sockets and holds them until stdin closes, for the
shuntctl test: a TCP listener on SELF:LPORT, three TCP connections to the
peer's echo server on PEER:EPORT with 1000 bytes sent and the echo left
unread, a UDP socket connected to PEER:UPORT and a UDP socket bound to
SELF:BPORT. Prints "fds NAME=FD ..." then "ready".
Usage: socket_holder.py SELF LPORT PEER EPORT UPORT BPORT"""
import socket
import sys

me, lport, peer, eport, uport, bport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), \
    int(sys.argv[5]), int(sys.argv[6])
lst = socket.socket()
lst.bind((me, lport))
lst.listen(8)
conns = []
for _ in range(3):
    c = socket.create_connection((peer, eport), timeout=10)
    c.sendall(b"x" * 1000)
    conns.append(c)
u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u1.connect((peer, uport))
u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u2.bind((me, bport))
print("fds listener=%d conns=%s udp_connected=%d udp_bound=%d" % (
    lst.fileno(), ",".join(str(c.fileno()) for c in conns), u1.fileno(), u2.fileno()), flush=True)
print("ready", flush=True)
sys.stdin.read()
