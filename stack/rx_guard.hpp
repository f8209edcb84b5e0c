// Frames shuntd refuses before lwIP sees them, decided on the bytes alone (no
// DPDK, so the fuzz target and unit tests apply the same rules as the netif
// driver). Each refused frame is counted in the port's rx_drops.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shunt::stack {

enum class rx_verdict : std::uint8_t {
    pass,
    // Shorter than its ARP or IPv4 header. lwIP 2.1.3's etharp_input and
    // ip4_input read those headers before checking that the frame holds them
    // (found by tests/fuzz/fuzz_rx; docs/fuzzing.md).
    runt,
    // An IPv4 source or destination no wire may carry (Linux's martians,
    // RFC 1812 5.3.7, RFC 1122 3.2.1.3), which lwIP accepts: a source of 0.0.0.0
    // (unless sent to 255.255.255.255, as a DHCP client does), in 127.0.0.0/8,
    // or equal to an address of this host; a destination of 0.0.0.0 (lwIP
    // takes it for broadcast) or in 127.0.0.0/8. A datagram "from" one of
    // shuntd's own addresses to an echo service made shuntd answer itself
    // for ever (found by tests/fuzz/fuzz_rx).
    martian,
};

// `frame`: the Ethernet frame's first `head` bytes (what is contiguous), of a
// frame `len` bytes long. This host's addresses are those of lwIP's netifs.
// Contract: called on the worker (it reads lwIP's netif list).
rx_verdict check_rx_frame(const std::uint8_t* frame, std::size_t head, std::size_t len);

}  // namespace shunt::stack
