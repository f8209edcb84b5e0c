"""Peer side of close_during_send: two listeners on HOST.
PORT: a sink that waits HOLD seconds before reading (so the sender's send
blocks), then reads to the end; PORT+1: records what its first connection
sends. Prints, once both connections ended: "first N" and "second N
FIRST-40-BYTES" (repr)."""
import socket
import sys
import threading
import time

host, port, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
results = {}


def listener(p):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, p))
    s.listen(4)
    return s


def first(s):
    c, _ = s.accept()
    time.sleep(hold)
    n = 0
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            n += len(b)
    except ConnectionResetError:
        pass
    results["first"] = n


def second(s):
    c, _ = s.accept()
    data = b""
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            data += b
    except ConnectionResetError:
        pass
    results["second"] = data


a, b = listener(port), listener(port + 1)
print("listening", flush=True)
threads = [threading.Thread(target=first, args=(a,)), threading.Thread(target=second, args=(b,))]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("first", results["first"], flush=True)
data = results["second"]
print("second", len(data), repr(data[:40]), flush=True)
