#!/usr/bin/env python3
"""Counterparts for the compatibility probes, run on the lab's peer host
(the same in the kernel run and the shunt run). Listens on 0.0.0.0:
  9001 echo      echoes until EOF, then closes
  9002 reset     accepts, then closes with SO_LINGER 0 (RST)
  9003 hold      accepts and reads, never sends, closes at EOF
  9004 reply     reads until EOF, then sends "bytes=N\\n" and closes (half-close probe)
  9005 hello     sends "hello\\n" then waits for EOF
  9006 greet     sends "0123456789" in two parts 200 ms apart, then waits for EOF
  9007 observe   reads until the connection ends and remembers how: "eof N" or "reset N"
  9008 last      sends what 9007 last remembered, then closes
  9009 stall     accepts and never reads; closes after 10 s (send timeouts)
  9010 vanish    reads one byte, then goes silent: the link that carries the
                 connection goes down for 6 s (keepalive timeouts), then up
  9001/udp echo  sends every datagram back to where it came from
Also, "connect HOST PORT MSG" connects once, sends MSG, prints the reply."""
import socket
import struct
import subprocess
import sys
import threading
import time


def serve(port, handler):
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("0.0.0.0", port))
    l.listen(64)
    while True:
        c, _ = l.accept()
        threading.Thread(target=guard, args=(handler, c), daemon=True).start()


def guard(handler, c):
    try:
        handler(c)
    except OSError:
        pass
    finally:
        try:
            c.close()
        except OSError:
            pass


def drain(c):
    n = 0
    while True:
        d = c.recv(65536)
        if not d:
            return n
        n += len(d)


def echo(c):
    while True:
        d = c.recv(65536)
        if not d:
            return
        c.sendall(d)


def reset(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.2)


def hold(c):
    drain(c)


def stall(c):
    time.sleep(10)


def reply(c):
    n = drain(c)
    c.sendall(b"bytes=%d\n" % n)


def hello(c):
    c.sendall(b"hello\n")
    drain(c)


def greet(c):
    c.sendall(b"01234")
    time.sleep(0.2)
    c.sendall(b"56789")
    drain(c)


last = ["none"]


def observe(c):
    n = 0
    try:
        while True:
            d = c.recv(65536)
            if not d:
                last[0] = "eof %d" % n
                return
            n += len(d)
    except ConnectionResetError:
        last[0] = "reset %d" % n


def tell(c):
    c.sendall((last[0] + "\n").encode())


def link_of(addr):
    """The interface that has the local address `addr` (ip -o -4 addr)."""
    out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) > 3 and f[3].split("/")[0] == addr:
            return f[1]
    return None


vanishing = threading.Lock()


def vanish(c):
    if not c.recv(1):
        return
    dev = link_of(c.getsockname()[0])
    if not dev:
        return
    with vanishing:
        time.sleep(0.3)  # our ACK of the byte goes out first: the app's side is idle
        subprocess.run(["ip", "link", "set", "dev", dev, "down"])
        try:
            time.sleep(6)
        finally:
            subprocess.run(["ip", "link", "set", "dev", dev, "up"])
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def udp_echo(port):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    u.bind(("0.0.0.0", port))
    while True:
        data, addr = u.recvfrom(65535)
        u.sendto(data, addr)


def main():
    if sys.argv[1:2] == ["connect"]:
        s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=10)
        s.sendall(sys.argv[4].encode())
        s.shutdown(socket.SHUT_WR)
        print(s.recv(1000).decode(), end="")
        return
    for port, h in ((9001, echo), (9002, reset), (9003, hold), (9004, reply), (9005, hello), (9006, greet),
                    (9007, observe), (9008, tell), (9009, stall), (9010, vanish)):
        threading.Thread(target=serve, args=(port, h), daemon=True).start()
    threading.Thread(target=udp_echo, args=(9001,), daemon=True).start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


main()
