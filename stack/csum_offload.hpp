// Checksum offload, decided per frame without DPDK types (so unit tests can
// check it): when the port advertises IPv4/TCP/UDP checksum offload, lwIP
// leaves those checksums to the NIC, and each frame sent needs to tell the
// NIC what to fill in (DPDK's rules: the L2/L3 lengths, and for TCP/UDP the
// IPv4 pseudo-header sum already in the L4 checksum field; see
// rte_ipv4_phdr_cksum and the mbuf offload flags documentation).
//
// A frame the NIC cannot finish is completed here instead: an IP fragment's
// L4 checksum spans fragments (lwIP then sends UDP with checksum 0, "none",
// which IPv4 allows, as lwIP does not generate it when told not to), and a
// frame that is not IPv4 or whose protocol the port cannot do keeps what
// lwIP wrote.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shunt::stack {

struct csum_caps {
    bool ipv4 = false, tcp = false, udp = false;  // what the port advertises (TX)
};

struct tx_offload {
    bool ip = false;   // the NIC fills the IPv4 header checksum
    bool tcp = false;  // ... the TCP checksum (the field holds the pseudo-header sum)
    bool udp = false;  // ... the UDP checksum (likewise)
    std::uint8_t l2_len = 0, l3_len = 0;
};

// Decides the offloads for one Ethernet frame and prepares it: the IPv4
// header checksum field zeroed when the NIC fills it, the pseudo-header sum
// written into the TCP/UDP checksum field when the NIC finishes it, and the
// software checksum computed here where lwIP left it to the NIC but the NIC
// cannot (a protocol the port lacks). `frame` is writable, `len` its length.
tx_offload prepare_tx_offload(std::uint8_t* frame, std::size_t len, const csum_caps& caps);

// Receive side. A port that advertises RX checksum offload gives each frame
// the NIC's verdict on its IPv4 header checksum and on its TCP/UDP checksum
// (DPDK's RTE_MBUF_F_RX_IP_CKSUM_* and RTE_MBUF_F_RX_L4_CKSUM_*):
//   good     the checksum is right;
//   bad      it is wrong: the frame is dropped before lwIP (counted);
//   none     the field is not a valid checksum but the NIC verified the data
//            (a sender that left it to offload): as good;
//   unknown  the NIC did not check (not IPv4/TCP/UDP, a fragment, a port
//            without the offload): lwIP checks, as it always did.
// lwIP's checks are switched per frame (the netif's checksum control, set
// just before the frame goes in: lwIP handles it to the end within that
// call, a reassembled datagram within the call of its last fragment, whose
// verdict is unknown), so only what the NIC vouched for goes unchecked.
enum class rx_csum : std::uint8_t { unknown, good, bad, none };

struct rx_checks {
    bool drop = false;  // the NIC found a bad checksum
    bool ip = true;     // lwIP must check the IPv4 header checksum
    bool l4 = true;     // ... and the TCP/UDP checksum
};

rx_checks rx_checks_for(rx_csum ip, rx_csum l4);

// The one's-complement sum helpers (RFC 1071), exposed for tests.
std::uint16_t ipv4_header_checksum(const std::uint8_t* ip, std::size_t ihl);
std::uint16_t ipv4_pseudo_header_sum(const std::uint8_t* ip, std::uint8_t proto, std::uint16_t l4_len);
std::uint16_t l4_checksum(const std::uint8_t* ip, std::size_t ihl, std::uint16_t l4_len);

}  // namespace shunt::stack
