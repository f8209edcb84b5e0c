#!/usr/bin/env python3
# App for killed_sharer.sh: two connections to the peer, "one" and "two",
# shared across fork as a per-connection server shares them:
#   child "holder" keeps "one" (and closes its copy of "two"),
#   child "bystander" keeps neither (it only keeps the process tree's other
#     fds open: with shunt, the control connection to shuntd),
#   the parent keeps "two" (and closes its copy of "one").
# Prints "pids PARENT HOLDER BYSTANDER" and waits to be killed.
import os, signal, socket, sys, time

ip, port = sys.argv[1], int(sys.argv[2])
conns = {}
for name in ("one", "two"):
    s = socket.create_connection((ip, port))
    s.sendall(name.encode() + b"\n")
    conns[name] = s


def child(keep):
    pid = os.fork()
    if pid == 0:
        for name, s in conns.items():
            if name != keep:
                s.close()
        signal.pause()
        os._exit(0)
    return pid


holder = child("one")
bystander = child(None)
conns["one"].close()
print("pids", os.getpid(), holder, bystander, flush=True)
time.sleep(120)
