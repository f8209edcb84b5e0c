#!/usr/bin/env python3
"""Runs under shunt: attaches (by connecting to HOST:PORT), then overwrites
its whole shared segment with random bytes through /proc/self/mem and keeps
using the socket. Whatever happens to this process, shuntd must end only
this app's session."""
import os
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection((host, port), timeout=5)
s.sendall(b"before the scribble\n")
seg = None
with open("/proc/self/maps") as f:
    for line in f:
        if "shunt-app-" in line:
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            seg = (lo, hi)
if not seg:
    print("no segment mapped", flush=True)
    sys.exit(2)
lo, hi = seg
print("scribbling", hi - lo, "bytes", flush=True)
with open("/proc/self/mem", "r+b", buffering=0) as mem:
    chunk = 1 << 20
    for a in range(lo, hi, chunk):
        mem.seek(a)
        mem.write(os.urandom(min(chunk, hi - a)))
print("scribbled", flush=True)
try:
    s.settimeout(2)
    s.sendall(b"after the scribble\n")
    s.recv(10)
except Exception as e:
    print("after:", type(e).__name__, flush=True)
