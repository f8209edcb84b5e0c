#!/usr/bin/env python3
"""Accepts one connection and reads until it ends; prints how it ended:
"eof BYTES" (the peer's FIN) or "reset BYTES" (an RST), and how long after
the first byte the end came is irrelevant: the test times the whole run."""
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((host, port))
l.listen(1)
print("listening", flush=True)
c, _ = l.accept()
c.settimeout(30)
n = 0
try:
    while True:
        d = c.recv(65536)
        if not d:
            print("eof", n, flush=True)
            break
        n += len(d)
except ConnectionResetError:
    print("reset", n, flush=True)
except socket.timeout:
    print("timeout", n, flush=True)
