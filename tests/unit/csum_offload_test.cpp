// TX checksum offload planning (stack/csum_offload.hpp): what a NIC is told
// and the pseudo-header sum it is given make it produce the checksums lwIP
// would have written (simulated here), and frames it cannot finish are left
// alone.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "stack/csum_offload.hpp"

namespace shunt::stack {
namespace {

// An Ethernet + IPv4 + TCP/UDP frame with correct checksums (lwIP's output).
std::vector<std::uint8_t> frame(std::uint8_t proto, std::size_t payload, bool fragment = false) {
    const std::size_t l4 = (proto == 6 ? 20 : 8) + payload;
    std::vector<std::uint8_t> f(14 + 20 + l4);
    f[12] = 0x08;
    f[13] = 0x00;
    std::uint8_t* ip = f.data() + 14;
    ip[0] = 0x45;
    ip[2] = static_cast<std::uint8_t>((20 + l4) >> 8);
    ip[3] = static_cast<std::uint8_t>(20 + l4);
    if (fragment) ip[6] = 0x20;  // MF
    ip[8] = 64;
    ip[9] = proto;
    const std::uint8_t src[4] = {10, 1, 2, 1}, dst[4] = {10, 1, 2, 200};
    std::memcpy(ip + 12, src, 4);
    std::memcpy(ip + 16, dst, 4);
    std::uint8_t* t = ip + 20;
    t[0] = 0x1f; t[1] = 0x90; t[2] = 0xc3; t[3] = 0x51;
    if (proto == 6) {
        t[12] = 0x50;
        t[13] = 0x18;
    } else {
        t[4] = static_cast<std::uint8_t>(l4 >> 8);
        t[5] = static_cast<std::uint8_t>(l4);
    }
    for (std::size_t i = 0; i < payload; ++i) t[(proto == 6 ? 20 : 8) + i] = static_cast<std::uint8_t>(i * 37 + 5);
    const std::uint16_t ipc = ipv4_header_checksum(ip, 20);
    ip[10] = static_cast<std::uint8_t>(ipc >> 8);
    ip[11] = static_cast<std::uint8_t>(ipc);
    const std::uint16_t l4c = l4_checksum(ip, 20, static_cast<std::uint16_t>(l4));
    const std::size_t field = proto == 6 ? 16 : 6;
    t[field] = static_cast<std::uint8_t>(l4c >> 8);
    t[field + 1] = static_cast<std::uint8_t>(l4c);
    return f;
}

std::uint16_t get16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

// What a NIC does with the offload flags: the IP header sum over the header,
// the L4 sum over the segment starting from the pseudo-header sum found in
// the field (DPDK's contract).
void nic(std::vector<std::uint8_t>& f, const tx_offload& o) {
    std::uint8_t* ip = f.data() + o.l2_len;
    if (o.ip) {
        const std::uint16_t c = ipv4_header_checksum(ip, o.l3_len);
        ip[10] = static_cast<std::uint8_t>(c >> 8);
        ip[11] = static_cast<std::uint8_t>(c);
    }
    if (o.tcp || o.udp) {
        const std::size_t field = o.tcp ? 16 : 6;
        std::uint8_t* l4 = ip + o.l3_len;
        const std::size_t n = f.size() - o.l2_len - o.l3_len;
        std::uint32_t acc = 0;
        for (std::size_t i = 0; i + 1 < n; i += 2) acc += static_cast<std::uint32_t>(l4[i] << 8 | l4[i + 1]);
        if (n & 1) acc += static_cast<std::uint32_t>(l4[n - 1] << 8);
        while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
        std::uint16_t c = static_cast<std::uint16_t>(~acc);
        if (o.udp && c == 0) c = 0xffff;
        l4[field] = static_cast<std::uint8_t>(c >> 8);
        l4[field + 1] = static_cast<std::uint8_t>(c);
    }
}

TEST(CsumOffload, NicFinishesWhatLwipWouldHaveWritten) {
    const csum_caps all{true, true, true};
    for (std::uint8_t proto : {std::uint8_t{6}, std::uint8_t{17}}) {
        for (std::size_t payload : {0u, 1u, 1000u, 1447u}) {
            const auto want = frame(proto, payload);
            auto f = want;
            const tx_offload o = prepare_tx_offload(f.data(), f.size(), all);
            EXPECT_TRUE(o.ip);
            EXPECT_EQ(o.tcp, proto == 6);
            EXPECT_EQ(o.udp, proto == 17);
            EXPECT_EQ(o.l2_len, 14);
            EXPECT_EQ(o.l3_len, 20);
            EXPECT_EQ(get16(f.data() + 24), 0) << "the IP checksum field is the NIC's";
            nic(f, o);
            EXPECT_EQ(f, want) << "proto " << int(proto) << " payload " << payload;
        }
    }
}

TEST(CsumOffload, OnlyWhatThePortAdvertises) {
    const auto want = frame(6, 100);
    auto f = want;
    const tx_offload o = prepare_tx_offload(f.data(), f.size(), csum_caps{false, true, false});
    EXPECT_FALSE(o.ip);
    EXPECT_TRUE(o.tcp);
    EXPECT_EQ(get16(f.data() + 24), get16(want.data() + 24)) << "IP checksum left as lwIP wrote it";
    nic(f, o);
    EXPECT_EQ(f, want);
    auto u = frame(17, 10);
    const tx_offload ou = prepare_tx_offload(u.data(), u.size(), csum_caps{false, true, false});
    EXPECT_FALSE(ou.udp) << "a UDP datagram on a TCP-only port";
}

TEST(CsumOffload, FragmentsAndOtherFramesAreLeftAlone) {
    const csum_caps all{true, true, true};
    auto frag = frame(17, 100, true);
    const auto l4_before = get16(frag.data() + 14 + 20 + 6);
    const tx_offload o = prepare_tx_offload(frag.data(), frag.size(), all);
    EXPECT_TRUE(o.ip);
    EXPECT_FALSE(o.udp) << "a fragment's L4 checksum spans fragments";
    EXPECT_EQ(get16(frag.data() + 14 + 20 + 6), l4_before);
    std::vector<std::uint8_t> arp(60, 0);
    arp[12] = 0x08;
    arp[13] = 0x06;
    const auto arp_before = arp;
    const tx_offload oa = prepare_tx_offload(arp.data(), arp.size(), all);
    EXPECT_EQ(oa.l3_len, 0);
    EXPECT_EQ(arp, arp_before);
    auto bad = frame(6, 10);
    bad[14 + 2] = 0xff;  // total length beyond the frame
    const tx_offload ob = prepare_tx_offload(bad.data(), bad.size(), all);
    EXPECT_EQ(ob.l3_len, 0) << "malformed: untouched";
}

}  // namespace
}  // namespace shunt::stack

namespace shunt::stack {
namespace {

// RX: only what the NIC vouched for goes unchecked; a bad verdict drops the
// frame; "none" (data verified, field not a checksum) counts as good.
TEST(CsumOffloadRx, NicVerdictsDecideLwipsChecks) {
    rx_checks c = rx_checks_for(rx_csum::good, rx_csum::good);
    EXPECT_FALSE(c.drop);
    EXPECT_FALSE(c.ip);
    EXPECT_FALSE(c.l4);
    c = rx_checks_for(rx_csum::unknown, rx_csum::unknown);  // a port that did not look
    EXPECT_FALSE(c.drop);
    EXPECT_TRUE(c.ip);
    EXPECT_TRUE(c.l4);
    c = rx_checks_for(rx_csum::good, rx_csum::unknown);  // a fragment: lwIP checks the datagram
    EXPECT_FALSE(c.ip);
    EXPECT_TRUE(c.l4);
    c = rx_checks_for(rx_csum::none, rx_csum::none);
    EXPECT_FALSE(c.drop);
    EXPECT_FALSE(c.ip);
    EXPECT_FALSE(c.l4);
    EXPECT_TRUE(rx_checks_for(rx_csum::bad, rx_csum::good).drop);
    EXPECT_TRUE(rx_checks_for(rx_csum::good, rx_csum::bad).drop);
    EXPECT_TRUE(rx_checks_for(rx_csum::unknown, rx_csum::bad).drop);
}

}  // namespace
}  // namespace shunt::stack
