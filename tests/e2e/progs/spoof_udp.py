#!/usr/bin/env python3
"""Send COUNT UDP datagrams to IP:PORT whose IPv4 source is IP itself (a
martian: no wire may carry a packet "from" the host it is addressed to), as
raw Ethernet frames on the interface that routes to IP. Run on the lab's peer
host after it has talked to IP (its ARP entry gives the MAC).

    spoof_udp.py IP PORT COUNT
"""
import socket
import struct
import subprocess
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    ip, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    route = subprocess.check_output(["ip", "-o", "route", "get", ip], text=True).split()
    dev = route[route.index("dev") + 1]
    neigh = subprocess.check_output(["ip", "neigh", "show", ip, "dev", dev], text=True).split()
    if "lladdr" not in neigh:
        sys.exit("spoof_udp: no ARP entry for %s on %s" % (ip, dev))
    dst_mac = bytes.fromhex(neigh[neigh.index("lladdr") + 1].replace(":", ""))
    with open("/sys/class/net/%s/address" % dev) as f:
        src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    addr = socket.inet_aton(ip)
    payload = b"martian"
    udp_len = 8 + len(payload)
    pseudo = addr + addr + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", port, port, udp_len, 0) + payload
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 1, 0, 64, 17, 0, addr, addr)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    frame = dst_mac + src_mac + b"\x08\x00" + hdr + udp
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    for _ in range(count):
        s.send(frame)
    print("sent %d" % count)


if __name__ == "__main__":
    main()
