// Frames shuntd's netif driver refuses before lwIP (stack/rx_guard.hpp):
// runts, and martians as Linux drops them.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "lwip/netif.h"
#include "stack/rx_guard.hpp"

namespace shunt::stack {
namespace {

using bytes = std::vector<std::uint8_t>;

bytes ipv4_frame(std::uint32_t src, std::uint32_t dst) {
    bytes f(14 + 20 + 8, 0);
    f[12] = 0x08;
    f[14] = 0x45;
    for (int i = 0; i < 4; ++i) {
        f[14 + 12 + i] = static_cast<std::uint8_t>(src >> (24 - 8 * i));
        f[14 + 16 + i] = static_cast<std::uint8_t>(dst >> (24 - 8 * i));
    }
    return f;
}

rx_verdict check(const bytes& f) { return check_rx_frame(f.data(), f.size(), f.size()); }

constexpr std::uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }

// One netif of this host's, 10.0.0.1, linked into lwIP's list for the test.
struct RxGuard : ::testing::Test {
    netif own{};
    netif* saved = nullptr;
    void SetUp() override {
        ip_addr_set_ip4_u32_val(own.ip_addr, lwip_htonl(ip(10, 0, 0, 1)));
        saved = netif_list;
        own.next = netif_list;
        netif_list = &own;
    }
    void TearDown() override { netif_list = saved; }
};

TEST_F(RxGuard, OrdinaryFramesPass) {
    EXPECT_EQ(check(ipv4_frame(ip(10, 0, 0, 2), ip(10, 0, 0, 1))), rx_verdict::pass);
    EXPECT_EQ(check(ipv4_frame(ip(192, 0, 2, 7), ip(255, 255, 255, 255))), rx_verdict::pass);
    EXPECT_EQ(check(ipv4_frame(0, ip(255, 255, 255, 255))), rx_verdict::pass) << "a DHCP client's broadcast";
    bytes arp(60, 0);
    arp[12] = 0x08;
    arp[13] = 0x06;
    EXPECT_EQ(check(arp), rx_verdict::pass);
    bytes ipv6(60, 0);
    ipv6[12] = 0x86;
    ipv6[13] = 0xdd;
    EXPECT_EQ(check(ipv6), rx_verdict::pass) << "not IPv4: lwIP counts it as unknown";
}

TEST_F(RxGuard, RuntsAreRefused) {
    bytes f = ipv4_frame(ip(10, 0, 0, 2), ip(10, 0, 0, 1));
    EXPECT_EQ(check_rx_frame(f.data(), 13, 13), rx_verdict::runt);
    EXPECT_EQ(check_rx_frame(f.data(), 30, 30), rx_verdict::runt) << "shorter than an IPv4 header";
    bytes arp(14 + 27, 0);
    arp[12] = 0x08;
    arp[13] = 0x06;
    EXPECT_EQ(check(arp), rx_verdict::runt) << "shorter than an ARP header";
}

TEST_F(RxGuard, MartiansAreRefused) {
    EXPECT_EQ(check(ipv4_frame(ip(10, 0, 0, 1), ip(10, 0, 0, 1))), rx_verdict::martian) << "from this host";
    EXPECT_EQ(check(ipv4_frame(ip(10, 0, 0, 1), 0)), rx_verdict::martian) << "from this host to 0.0.0.0";
    EXPECT_EQ(check(ipv4_frame(ip(10, 0, 0, 2), 0)), rx_verdict::martian) << "to 0.0.0.0";
    EXPECT_EQ(check(ipv4_frame(0, ip(10, 0, 0, 1))), rx_verdict::martian) << "from 0.0.0.0, not broadcast";
    EXPECT_EQ(check(ipv4_frame(ip(127, 0, 0, 1), ip(10, 0, 0, 1))), rx_verdict::martian) << "from loopback";
    EXPECT_EQ(check(ipv4_frame(ip(10, 0, 0, 2), ip(127, 0, 0, 1))), rx_verdict::martian) << "to loopback";
}

TEST_F(RxGuard, AHeadTooShortForTheAddressesIsLeftToLwip) {
    bytes f = ipv4_frame(ip(10, 0, 0, 1), ip(10, 0, 0, 1));
    EXPECT_EQ(check_rx_frame(f.data(), 20, f.size()), rx_verdict::pass);
}

}  // namespace
}  // namespace shunt::stack
