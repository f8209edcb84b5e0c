#!/usr/bin/env python3
"""Client for the e2e tests: N requests on one connection, each after PAUSE
seconds of silence, each echoed back whole within 2 s. Prints "ok" or the
first failure."""
import socket
import sys
import time


def main():
    host, port, n, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    s = socket.create_connection((host, port), timeout=5)
    s.settimeout(2)
    for i in range(n):
        time.sleep(pause)
        msg = b"request %d" % i
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            d = s.recv(100)
            if not d:
                sys.exit("eof after %r" % got)
            got += d
        if got != msg:
            sys.exit("echo %r for %r" % (got, msg))
    print("ok")


if __name__ == "__main__":
    main()
