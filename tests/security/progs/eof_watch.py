#!/usr/bin/env python3
# Peer for killed_sharer.sh: accepts N connections, names each by the first
# line it sends, and prints "eof NAME" the moment the app's side of it ends
# (FIN: recv returns b''; RST: "reset NAME").
import select, socket, sys

ip, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((ip, port))
srv.listen(8)
print("listening", flush=True)
names, bufs = {}, {}
for _ in range(n):
    c, _ = srv.accept()
    bufs[c] = b""
open_ = list(bufs)
while open_:
    r, _, _ = select.select(open_, [], [], 120)
    if not r:
        print("timeout", flush=True)
        break
    for c in r:
        try:
            d = c.recv(4096)
        except ConnectionResetError:
            print("reset", names.get(c, "?"), flush=True)
            open_.remove(c)
            continue
        if not d:
            print("eof", names.get(c, "?"), flush=True)
            open_.remove(c)
            continue
        bufs[c] += d
        if c not in names and b"\n" in bufs[c]:
            names[c] = bufs[c].split(b"\n")[0].decode()
            print("named", names[c], flush=True)
