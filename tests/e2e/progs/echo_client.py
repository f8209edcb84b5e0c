#!/usr/bin/env python3
"""Echo client for the e2e tests: sends SIZE random bytes (a writer thread)
while reading the echo (this thread), then half-closes and waits for EOF.
Prints "ok SHA256 SIZE" when every byte came back in order, else "MISMATCH"."""
import hashlib
import os
import socket
import sys
import threading


def main():
    host, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    data = os.urandom(size)
    s = socket.create_connection((host, port), timeout=60)

    def writer():
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=writer)
    t.start()
    got = bytearray()
    while True:
        d = s.recv(1 << 20)
        if not d:
            break
        got.extend(d)
    t.join()
    s.close()
    if bytes(got) == data:
        print("ok", hashlib.sha256(data).hexdigest()[:16], size)
    else:
        print("MISMATCH", len(got), size)
        sys.exit(1)


main()
