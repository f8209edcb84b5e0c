#include "stack/rx_guard.hpp"

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

namespace shunt::stack {
namespace {

constexpr unsigned k_eth_hlen = 14;
constexpr unsigned k_ethertype_ipv4 = 0x0800;
constexpr unsigned k_ethertype_arp = 0x0806;

std::uint32_t be32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
           static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

bool loopback_net(std::uint32_t a) { return (a >> 24) == 127; }

// One of this host's addresses (host byte order).
bool own_address(std::uint32_t a) {
    netif* n;
    NETIF_FOREACH(n) {
        const std::uint32_t mine = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(n)));
        if (mine != 0 && mine == a) return true;
    }
    return false;
}

}  // namespace

rx_verdict check_rx_frame(const std::uint8_t* frame, std::size_t head, std::size_t len) {
    if (len < k_eth_hlen || head < k_eth_hlen) return rx_verdict::runt;
    const unsigned type = static_cast<unsigned>(frame[12]) << 8 | frame[13];
    if (type == k_ethertype_arp && len < k_eth_hlen + 28) return rx_verdict::runt;
    if (type != k_ethertype_ipv4) return rx_verdict::pass;
    if (len < k_eth_hlen + 20) return rx_verdict::runt;
    // Both addresses sit in the first 20 bytes of the IPv4 header; a frame
    // whose head holds less is left to lwIP's own checks.
    if (head < k_eth_hlen + 20) return rx_verdict::pass;
    const std::uint32_t src = be32(frame + k_eth_hlen + 12);
    const std::uint32_t dst = be32(frame + k_eth_hlen + 16);
    if (src == 0) return dst == 0xffffffffu ? rx_verdict::pass : rx_verdict::martian;
    if (dst == 0 || loopback_net(src) || loopback_net(dst) || own_address(src)) return rx_verdict::martian;
    return rx_verdict::pass;
}

}  // namespace shunt::stack
