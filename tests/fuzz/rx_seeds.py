#!/usr/bin/env python3
"""Writes seed inputs for fuzz_rx (tests/fuzz/fuzz_rx.cpp) into a directory.

Each seed is a list of records: flags u8, length u16 (little-endian), an
Ethernet frame (tests/fuzz/rx_frames.hpp). The frames are valid as built
here (checksums included); the records also ask the harness to fix the
checksums (flag 1) so that mutated copies still get past them, and TCP
segments after the SYN ask it to sync seq/ack with the connection (flag 2),
which makes the handshake and what follows reachable although lwIP's
initial sequence numbers are its own.

    rx_seeds.py DIR
"""
import os
import struct
import sys

WIRE_MAC = bytes.fromhex("020000000001")
PEER_MAC = bytes.fromhex("020000000002")
BCAST = b"\xff" * 6
WIRE_IP = bytes([10, 0, 0, 1])
PEER_IP = bytes([10, 0, 0, 2])
OTHER_IP = bytes([10, 0, 0, 3])

FIX = 1
SYNC = 2
RAM, POOL = 2 << 2, 1 << 2
T250MS, T1S, T60S = 1 << 4, 2 << 4, 3 << 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(payload, ethertype=0x0800, dst=WIRE_MAC, src=PEER_MAC):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, src=PEER_IP, dst=WIRE_IP, ident=1, frag=0, total=None, ttl=64):
    total = 20 + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident, frag, ttl, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def pseudo(src, dst, proto, length):
    return src + dst + struct.pack("!BBH", 0, proto, length)


def tcp(sport, dport, seq, ack, flags, payload=b"", options=b"", src=PEER_IP, dst=WIRE_IP, window=65535):
    off = (20 + len(options)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, window, 0, 0) + options
    c = csum(pseudo(src, dst, 6, len(h) + len(payload)) + h + payload)
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def udp(sport, dport, payload, src=PEER_IP, dst=WIRE_IP):
    h = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    c = csum(pseudo(src, dst, 17, len(h) + len(payload)) + h + payload) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + payload


def icmp_echo(ident, seq, payload):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    return h[:2] + struct.pack("!H", csum(h + payload)) + h[4:] + payload


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, spa, tha, tpa)


def record(frame, flags=FIX):
    return struct.pack("<BH", flags, len(frame)) + frame


SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04
# MSS 1460, SACK permitted, window scale 7 (what Linux offers, less timestamps).
SYN_OPTS = bytes([2, 4, 0x05, 0xB4, 4, 2, 1, 1, 3, 3, 7, 1])


def seeds():
    out = {}
    out["arp_request"] = record(eth(arp(1, PEER_MAC, PEER_IP, b"\0" * 6, WIRE_IP), 0x0806, dst=BCAST))
    out["arp_reply_other"] = record(eth(arp(2, bytes.fromhex("020000000003"), OTHER_IP, WIRE_MAC, WIRE_IP), 0x0806))
    out["icmp_echo"] = record(eth(ipv4(1, icmp_echo(0x1234, 1, b"ping" * 8))), FIX | RAM)
    out["udp_echo"] = record(eth(ipv4(17, udp(40000, 7, b"hello udp"))))
    out["udp_closed_port"] = record(eth(ipv4(17, udp(40000, 9999, b"nobody"))), FIX | POOL)

    # A datagram to the echo port in two fragments (offsets in 8-byte units).
    dgram = udp(40001, 7, bytes(range(256)) * 4)
    first, second = dgram[:512], dgram[512:]
    out["ip_fragments"] = (record(eth(ipv4(17, first, ident=77, frag=0x2000)))
                           + record(eth(ipv4(17, second, ident=77, frag=512 // 8)), FIX | T250MS))
    out["ip_fragment_alone"] = record(eth(ipv4(17, second, ident=78, frag=512 // 8)), FIX | T60S)

    # The listener on port 80: handshake, data (echoed), out-of-order data, FIN.
    syn = record(eth(ipv4(6, tcp(40000, 80, 1000, 0, SYN, options=SYN_OPTS))))
    out["tcp_syn"] = syn
    handshake = syn + record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK))), FIX | SYNC)
    data = record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK | PSH, b"GET / HTTP/1.0\r\n\r\n"))), FIX | SYNC)
    out["tcp_session"] = (handshake + data
                          + record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK))), FIX | SYNC | T250MS)
                          + record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK | FIN))), FIX | SYNC | T1S)
                          + record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK))), FIX | SYNC | T60S))
    out["tcp_out_of_order"] = (handshake
                               + record(eth(ipv4(6, tcp(40000, 80, 100, 0, ACK, b"later" * 20))), FIX | SYNC)
                               + record(eth(ipv4(6, tcp(40000, 80, 300, 0, ACK, b"much later"))), FIX | SYNC)
                               + record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK, b"x" * 100))), FIX | SYNC | T250MS))
    out["tcp_rst"] = handshake + record(eth(ipv4(6, tcp(40000, 80, 0, 0, RST))), FIX | SYNC)
    out["tcp_syn_closed_port"] = record(eth(ipv4(6, tcp(40000, 81, 5, 0, SYN))))
    out["tcp_retransmit"] = handshake + data + record(b"", FIX | T60S)

    # lwIP's own connection 10.0.0.1:49152 -> 10.0.0.2:8080 is in SYN_SENT.
    out["tcp_synack_to_client"] = (
        record(eth(ipv4(6, tcp(8080, 49152, 5000, 0, SYN | ACK, options=SYN_OPTS))), FIX | SYNC)
        + record(eth(ipv4(6, tcp(8080, 49152, 0, 0, ACK, b"welcome\n"))), FIX | SYNC)
        + record(eth(ipv4(6, tcp(8080, 49152, 0, 0, ACK | FIN))), FIX | SYNC | T1S))

    # Inputs that show lwIP 2.1.3's bugs (docs/fuzzing.md, "Findings"):
    # harmless as fuzz_rx runs them by default (runts padded, buffers with an
    # mbuf's room, the asserting segment skipped); they fail with
    # SHUNT_FUZZ_LWIP_FINDINGS=1.
    out["lwip_arp_runt"] = record(eth(arp(1, PEER_MAC, PEER_IP, b"\0" * 6, WIRE_IP), 0x0806, dst=BCAST)[:27])
    out["lwip_ip_runt"] = record(eth(ipv4(17, udp(40000, 7, b"x")))[:16])
    odd_opts = bytes([2, 4, 0x05, 0xB4, 4, 2, 1, 1, 0xDC, 3, 3, 7])  # ends in a kind byte (7)
    out["lwip_tcp_option_overread"] = record(eth(ipv4(6, tcp(40000, 80, 1000, 0, SYN, options=odd_opts))))
    # The handshake's last ACK with a FIN at rcv_nxt + 2^31: "insane offset!".
    out["lwip_tcp_seq_half_space"] = syn + record(eth(ipv4(6, tcp(40000, 80, 0x80000000, 0, ACK | FIN))), FIX | SYNC)
    # lwIP's own connection: a SYN-ACK offering a zero window, then data
    # offering 9 bytes; echoing it shrank tcp_write's mss_local below the
    # segment queued at connect: "mss_local is too small".
    out["lwip_tcp_window_shrinks_mss"] = (
        record(eth(ipv4(6, tcp(8080, 49152, 5000, 0, SYN | ACK, window=0))), FIX | SYNC)
        + record(eth(ipv4(6, tcp(8080, 49152, 0, 0, ACK, b"12345678", window=9))), FIX | SYNC))
    # In SYN_RCVD, a SYN|ACK carrying data beyond rcv_nxt completes the
    # handshake and its data (with the SYN) went on the out-of-order queue;
    # in-order data then made tcp_receive assert "segment not trimmed
    # correctly to ooseq queue".
    out["lwip_tcp_syn_on_ooseq"] = (
        syn + record(eth(ipv4(6, tcp(40000, 80, 100, 0, SYN | ACK, b"s" * 100))), FIX | SYNC)
        + record(eth(ipv4(6, tcp(40000, 80, 0xFFFFFFFF, 0, ACK, b"a" * 100))), FIX | SYNC)
        + record(eth(ipv4(6, tcp(40000, 80, 16, 0, ACK, b"b" * 100))), FIX | SYNC)
        + record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK, b"c" * 10))), FIX | SYNC)
        + record(eth(ipv4(6, tcp(40000, 80, 0xFFFFFFFF, 0, ACK, b"d" * 60))), FIX | SYNC))
    # The echoed bytes are in flight when an out-of-order segment (seq beyond
    # rcv_nxt, an ACK past snd_nxt) closes the window: the persist timer
    # starts. After a minute of timeouts an in-order ACK of everything, too
    # old to count as a window update, leaves the persist timer running with
    # nothing to send: "tcp_slowtimr: persist ticking with empty send buffer".
    out["lwip_tcp_persist_with_nothing_unsent"] = (
        syn + record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK | PSH, b"x" * 18))), FIX | SYNC)
        + record(eth(ipv4(6, tcp(40000, 80, 24704, 3689438, 0xF1, window=0))), FIX | SYNC)
        + record(b"", FIX | T60S)
        + record(eth(ipv4(6, tcp(40000, 80, 0, 0, ACK, window=65378))), FIX | SYNC)
        + record(b"", FIX | T1S))
    # A datagram "from" lwIP's own address to 0.0.0.0 (which lwIP takes for
    # broadcast) at the echo port: the echo answers itself over lwIP's
    # loopback for ever. shuntd refuses such martians (stack/rx_guard.hpp).
    zero = bytes(4)
    out["lwip_udp_martian_loop"] = record(
        eth(ipv4(17, udp(7, 7, b"loop", src=WIRE_IP, dst=zero), src=WIRE_IP, dst=zero), dst=BCAST))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(sys.argv[1], name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
