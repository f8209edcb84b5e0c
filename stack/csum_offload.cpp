#include "stack/csum_offload.hpp"

#include <cstring>

namespace shunt::stack {
namespace {

std::uint32_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t acc = 0) {
    for (; n > 1; p += 2, n -= 2) acc += static_cast<std::uint32_t>(p[0] << 8 | p[1]);
    if (n) acc += static_cast<std::uint32_t>(p[0] << 8);
    return acc;
}

std::uint16_t fold(std::uint32_t acc) {
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return static_cast<std::uint16_t>(acc);
}

void put16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

}  // namespace

rx_checks rx_checks_for(rx_csum ip, rx_csum l4) {
    rx_checks c;
    if (ip == rx_csum::bad || l4 == rx_csum::bad) {
        c.drop = true;
        return c;
    }
    c.ip = !(ip == rx_csum::good || ip == rx_csum::none);
    c.l4 = !(l4 == rx_csum::good || l4 == rx_csum::none);
    return c;
}

std::uint16_t ipv4_header_checksum(const std::uint8_t* ip, std::size_t ihl) {
    std::uint8_t h[60];
    std::memcpy(h, ip, ihl);
    h[10] = h[11] = 0;
    return static_cast<std::uint16_t>(~fold(sum16(h, ihl)));
}

std::uint16_t ipv4_pseudo_header_sum(const std::uint8_t* ip, std::uint8_t proto, std::uint16_t l4_len) {
    std::uint32_t acc = sum16(ip + 12, 8);  // source and destination addresses
    acc += proto;
    acc += l4_len;
    return fold(acc);  // not complemented: the NIC adds the payload and complements
}

std::uint16_t l4_checksum(const std::uint8_t* ip, std::size_t ihl, std::uint16_t l4_len) {
    const std::uint8_t proto = ip[9];
    const std::size_t field = proto == 6 ? 16 : 6;
    std::uint8_t saved[2] = {ip[ihl + field], ip[ihl + field + 1]};
    auto* l4 = const_cast<std::uint8_t*>(ip + ihl);
    l4[field] = l4[field + 1] = 0;
    std::uint32_t acc = ipv4_pseudo_header_sum(ip, proto, l4_len);
    acc = sum16(l4, l4_len, acc);
    l4[field] = saved[0];
    l4[field + 1] = saved[1];
    std::uint16_t c = static_cast<std::uint16_t>(~fold(acc));
    if (proto == 17 && c == 0) c = 0xffff;  // UDP: 0 means "no checksum" (RFC 768)
    return c;
}

tx_offload prepare_tx_offload(std::uint8_t* f, std::size_t len, const csum_caps& caps) {
    tx_offload o;
    if (len < 34 || !(f[12] == 0x08 && f[13] == 0x00)) return o;  // not IPv4
    std::uint8_t* ip = f + 14;
    const std::size_t ihl = (ip[0] & 15) * 4u;
    const std::size_t total = static_cast<std::size_t>(ip[2] << 8 | ip[3]);
    if (ihl < 20 || total < ihl || 14 + total > len) return o;  // malformed: as lwIP wrote it
    o.l2_len = 14;
    o.l3_len = static_cast<std::uint8_t>(ihl);
    // lwIP left the IP header checksum to the NIC exactly when the port can do it.
    if (caps.ipv4) {
        o.ip = true;
        ip[10] = ip[11] = 0;
    }
    const bool fragment = (ip[6] & 0x3f) || ip[7];  // MF set or an offset
    const std::uint8_t proto = ip[9];
    const auto l4_len = static_cast<std::uint16_t>(total - ihl);
    if (fragment) return o;  // lwIP's own UDP checksum (0 when it was told not to) stays
    const std::size_t field = proto == 6 ? 16 : 6;
    if ((proto == 6 && l4_len >= 20 && caps.tcp) || (proto == 17 && l4_len >= 8 && caps.udp)) {
        (proto == 6 ? o.tcp : o.udp) = true;
        put16(ip + ihl + field, ipv4_pseudo_header_sum(ip, proto, l4_len));
    }
    return o;
}

}  // namespace shunt::stack
