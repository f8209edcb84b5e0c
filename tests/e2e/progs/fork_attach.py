#!/usr/bin/env python3
"""A process that forks with accelerated sockets, for
tests/e2e/shunt_fork_attach.sh:
  fork_attach.py PEER PORT SELF LPORT SHUNTCTL
The parent connects to PEER:PORT (an echo server) and listens on SELF:LPORT,
then forks. The child echoes over the inherited connection, opens one of its
own, reads `shuntctl apps --json` (it and its parent are listed apart, its
own socket under its own pid), prints "child ready", accepts on the
inherited listener and echoes what it gets. The parent then echoes over the
connection again and prints what it saw."""
import json
import os
import socket
import subprocess
import sys
import time


def echo(s, msg):
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        d = s.recv(100)
        if not d:
            break
        got += d
    return got == msg


def main():
    peer, port, self_ip, lport, shuntctl = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    c1 = socket.create_connection((peer, port), timeout=10)
    l = socket.socket()
    l.bind((self_ip, lport))
    l.listen(4)
    l.settimeout(15)
    pid = os.fork()
    if pid == 0:
        ok_inherited = echo(c1, b"inherited")
        c2 = socket.create_connection((peer, port), timeout=10)
        ok_own = echo(c2, b"the child's own")
        me, parent = [], []
        for _ in range(50):  # shuntd's view of its apps is refreshed now and then
            res = subprocess.run([shuntctl, "apps", "--json"], capture_output=True, text=True)
            try:
                apps = json.loads(res.stdout)["apps"]
            except ValueError:
                print("shuntctl apps:", res.returncode, res.stdout[:200], res.stderr[:200], flush=True)
                apps = []
            me = [a for a in apps if a["pid"] == os.getpid()]
            parent = [a for a in apps if a["pid"] == os.getppid()]
            if me and parent and me[0]["sockets"] >= 1:
                break
            time.sleep(0.1)
        print("child: inherited", ok_inherited, "own", ok_own, "listed", bool(me), "parent listed", bool(parent),
              "own sockets", me[0]["sockets"] if me else 0, flush=True)
        print("child ready", flush=True)
        c, _ = l.accept()
        knock = c.recv(100)
        c.sendall(knock)
        ok_accept = knock == b"knock"
        print("child: accepted on the inherited listener", ok_accept, flush=True)
        good = ok_inherited and ok_own and me and parent and me[0]["sockets"] >= 1 and ok_accept
        os._exit(0 if good else 1)
    _, st = os.waitpid(pid, 0)
    print("parent: inherited still", echo(c1, b"after the child"), "child exit", os.waitstatus_to_exitcode(st),
          flush=True)


main()
