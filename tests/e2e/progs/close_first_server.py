#!/usr/bin/env python3
"""Server for the e2e tests that closes first, as an HTTP server closing a
short connection does: each of N connections gets GREETING and is closed by
the server, which leaves the connection in TIME_WAIT on the server's side.
Prints "listening HOST PORT" once ready, "served N" at the end."""
import socket
import sys


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((host, port))
    l.listen(64)
    print("listening", *l.getsockname(), flush=True)
    for _ in range(n):
        c, _ = l.accept()
        c.sendall(b"hello\n")
        c.close()
    print("served", n, flush=True)


if __name__ == "__main__":
    main()
