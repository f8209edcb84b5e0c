#!/usr/bin/env python3
"""Server for the e2e tests: accepts one connection, forks a child that
greets the client and then holds the connection without closing it, and
closes its own copy (a per-connection forking server). With --linger0 the
socket has SO_LINGER {1, 0}. Prints "listening HOST PORT", then
"child PID" once the child holds the connection; waits for the child."""
import os
import socket
import struct
import sys
import time


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((host, port))
    l.listen(8)
    print("listening", *l.getsockname(), flush=True)
    c, _ = l.accept()
    if "--linger0" in sys.argv:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    pid = os.fork()
    if pid == 0:
        l.close()
        c.sendall(b"hi\n")
        while True:
            time.sleep(3600)
    c.close()
    l.close()
    time.sleep(0.2)
    print("child", pid, flush=True)
    os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
