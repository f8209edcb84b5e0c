#!/usr/bin/env python3
"""Client for the e2e tests: N connections one after another from the same
local port (SO_REUSEADDR), each reading the server's greeting until the
server closes first. A server in TIME_WAIT must take each new SYN as a new
connection (RFC 6191; Linux tcp_timewait_state_process). Prints "ok N" or
the first failure, with how long the connect took."""
import errno
import socket
import sys
import time


def main():
    host, port, local_port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    for i in range(n):
        # The previous connection may still be in LAST_ACK for a moment
        # (the server's last ACK on its way): its 4-tuple is busy until then.
        for attempt in range(200):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("", local_port))
            s.settimeout(3)
            t0 = time.monotonic()
            try:
                s.connect((host, port))
                break
            except OSError as e:
                s.close()
                if e.errno == errno.EADDRNOTAVAIL and attempt < 199:
                    time.sleep(0.005)
                    continue
                print("connect %d failed after %.1f s: %s" % (i, time.monotonic() - t0, e))
                sys.exit(1)
        took = time.monotonic() - t0
        got = b""
        while True:
            d = s.recv(100)
            if not d:
                break
            got += d
        s.close()
        if got != b"hello\n":
            print("connection %d got %r" % (i, got))
            sys.exit(1)
        if took > 0.9:  # a refused SYN is retried after 1 s: it was not taken at once
            print("connect %d took %.2f s" % (i, took))
            sys.exit(1)
    print("ok", n)


if __name__ == "__main__":
    main()
