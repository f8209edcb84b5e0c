// Proves that the lwIP linked into shunt is shunt's own build: compiled from
// Debian's lwip 2.1.3 source with stack/lwipopts.h (not Debian's Hurd
// liblwip0, whose options differ), so the choices below are in effect.
#include <gtest/gtest.h>

#include <cstdlib>

#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "stack/lwip_heap.hpp"
#include "stack/lwip_stats.hpp"

namespace {

int g_allocs = 0;
void* counting_alloc(std::size_t n) {
    ++g_allocs;
    return std::malloc(n);
}
void counting_free(void* p) { std::free(p); }

class LwipBuild : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        shunt::stack::install_heap({"counting", counting_alloc, counting_free});
        lwip_init();
    }
};

TEST_F(LwipBuild, IsVersion213) {
    EXPECT_EQ(LWIP_VERSION_MAJOR, 2);
    EXPECT_EQ(LWIP_VERSION_MINOR, 1);
    EXPECT_EQ(LWIP_VERSION_REVISION, 3);
}

TEST_F(LwipBuild, NoSysRawApiOnly) {
    EXPECT_EQ(NO_SYS, 1);
    EXPECT_EQ(LWIP_SOCKET, 0);
    EXPECT_EQ(LWIP_NETCONN, 0);
}

TEST_F(LwipBuild, NewPcbCarriesShuntsWindowAndScaling) {
    tcp_pcb* pcb = tcp_new();
    ASSERT_NE(pcb, nullptr);
    // shunt's 1 MiB send buffer and scaled receive window, not lwIP's default
    // (4 * TCP_MSS with a 536-byte MSS) nor Debian's port options. Until the
    // SYN exchange agrees on scaling, the window is capped at 16 bits, which
    // only a window above 64 KiB reaches.
    EXPECT_EQ(pcb->snd_buf, static_cast<tcpwnd_size_t>(1024 * 1024));
    EXPECT_EQ(pcb->rcv_wnd, static_cast<tcpwnd_size_t>(0xffff));
    EXPECT_EQ(TCP_WND, 1024 * 1024);
    EXPECT_EQ(TCP_MSS, 16344);  // a netif caps it at its MTU less 40
    EXPECT_EQ(TCP_OVERSIZE, 1460);
    EXPECT_EQ(TCP_RCV_SCALE, 7);
    tcp_abort(pcb);
}

TEST_F(LwipBuild, AllocationsGoThroughShuntsHeap) {
    // MEM_LIBC_MALLOC + MEMP_MEM_MALLOC: a PCB comes from the installed heap
    // (the daemon installs DPDK's), and the pool's statistics see it.
    const int before = g_allocs;
    const auto used_before = lwip_stats.memp[MEMP_UDP_PCB]->used;
    udp_pcb* u = udp_new();
    ASSERT_NE(u, nullptr);
    EXPECT_GT(g_allocs, before);
    EXPECT_EQ(lwip_stats.memp[MEMP_UDP_PCB]->used, used_before + 1);
    udp_remove(u);
    EXPECT_EQ(lwip_stats.memp[MEMP_UDP_PCB]->used, used_before);
}

TEST_F(LwipBuild, StatisticsReportEveryPool) {
    const auto s = shunt::stack::read_lwip_stats();
    ASSERT_EQ(s.pools.size(), static_cast<std::size_t>(MEMP_MAX) + 1);
    EXPECT_EQ(s.pools[0].name, "heap");
    bool tcp = false;
    for (const auto& p : s.pools) tcp |= p.name == "TCP_PCB";
    EXPECT_TRUE(tcp);
    for (const auto& p : s.pools)
        if (p.name == "TCP_PCB") {
            EXPECT_EQ(p.available + p.used, 16384u);  // MEMP_NUM_TCP_PCB
        }
    ASSERT_EQ(s.protocols.size(), 7u);
    EXPECT_EQ(s.protocols.back().name, "tcp");
}

}  // namespace
