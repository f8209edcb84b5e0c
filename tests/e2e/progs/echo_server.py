#!/usr/bin/env python3
"""Echo server for the e2e tests: serves N connections one after another
(or concurrently with --threads), echoing every byte until the client's FIN.
Prints "listening HOST PORT" once ready."""
import socket
import sys
import threading


def serve(c):
    with c:
        while True:
            d = c.recv(65536)
            if not d:
                break
            c.sendall(d)


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    threads = "--threads" in sys.argv
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((host, port))
    l.listen(64)
    print("listening", *l.getsockname(), flush=True)
    workers = []
    for _ in range(n):
        c, _ = l.accept()
        if threads:
            t = threading.Thread(target=serve, args=(c,))
            t.start()
            workers.append(t)
        else:
            serve(c)
    for t in workers:
        t.join()
    l.close()


main()
