// Frames for the RX fuzzer (fuzz_rx.cpp). An input is a sequence of
//
//   flags u8 | length u16 (little-endian) | frame bytes[length]
//
// (a short last record takes what is left). Each frame is an Ethernet frame
// as a NIC would deliver it (fuzz_rx pads a shorter one to Ethernet's
// 60-byte minimum unless exact_frames()); `flags` asks the harness to make it more
// useful before lwIP sees it, so that random mutations still reach the
// protocol code behind the checksums and TCP's sequence checks:
//
//   bit 0    fix checksums: IPv4 header, and TCP/UDP/ICMP of an unfragmented datagram
//   bit 1    sync TCP: the segment's seq and ack fields become offsets from the
//            receiving connection's rcv_nxt and snd_nxt (its pcb is looked up
//            by addresses and ports); applied before the checksums
//   bits 2-3 the pbuf: 0 a custom pbuf over a buffer of exactly the frame's
//            length (as shuntd wraps a DPDK mbuf, stack/mbuf_pbuf.cpp; ASan
//            sees any read past the frame), 1 PBUF_POOL (chained above 2 KiB),
//            2 PBUF_RAM, 3 PBUF_POOL
//   bits 4-5 lwIP timers after the frame: none, 250 ms, 1 s, 60 s
//
// tests/fuzz/rx_seeds.py writes seeds in this format.
#pragma once

#include <cstdint>
#include <span>

struct pbuf;

namespace shunt::fuzz {

enum frame_flags : std::uint8_t {
    ff_checksums = 1,
    ff_sync_tcp = 2,
    ff_pbuf_shift = 2,
    ff_timers_shift = 4,
};

// Applies the fix-ups `flags` asks for to a frame (in place).
void fix_frame(std::span<std::uint8_t> frame, std::uint8_t flags);
// The frame as a pbuf of the kind `flags` asks for; nullptr if lwIP has no memory.
pbuf* frame_pbuf(std::span<const std::uint8_t> frame, std::uint8_t flags);
// Timer steps (lwip_run_timers) to run after the frame.
unsigned frame_timer_steps(std::uint8_t flags);
// SHUNT_FUZZ_LWIP_FINDINGS=1: frames exactly as given (no padding of runts,
// buffers without tail room, none refused as shuntd's driver refuses runts
// and martians), so that the findings in lwIP 2.1.3 listed in
// docs/fuzzing.md show again.
bool exact_frames();

}  // namespace shunt::fuzz
