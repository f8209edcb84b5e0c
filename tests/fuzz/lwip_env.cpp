#include "tests/fuzz/lwip_env.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip4_frag.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"
#include "stack/lwip_stats.hpp"

namespace {

std::uint32_t g_now_ms = 1'000'000;  // lwIP's virtual clock
std::uint64_t g_rand = 0;           // xorshift state, reseeded per input
::netif g_wire;
bool g_ready = false;
std::uint64_t g_wire_bytes = 0;
std::vector<shunt::stack::pool_stats> g_pools_at_start;

constexpr std::uint64_t k_rand_seed = 0x9e3779b97f4a7c15ull;

// The wire's driver: copies each frame out (so every byte lwIP hands a
// driver is read under ASan) and drops it.
err_t wire_linkoutput(::netif*, pbuf* p) {
    static std::uint8_t frame[0xffff];  // the largest pbuf (tot_len is 16 bits)
    g_wire_bytes += pbuf_copy_partial(p, frame, sizeof frame, 0);
    return ERR_OK;
}

err_t wire_init(::netif* n) {
    n->name[0] = 'f';
    n->name[1] = 'z';
    n->mtu = 1500;
    n->hwaddr_len = ETH_HWADDR_LEN;
    std::memcpy(n->hwaddr, shunt::fuzz::k_wire_mac, ETH_HWADDR_LEN);
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    n->output = etharp_output;
    n->linkoutput = wire_linkoutput;
    NETIF_SET_CHECKSUM_CTRL(n, NETIF_CHECKSUM_ENABLE_ALL);  // as the daemon's driver
    return ERR_OK;
}

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "fuzz: %s\n", why.c_str());
    std::abort();
}

bool loopback_queued() {
    ::netif* n;
    NETIF_FOREACH(n) {
        if (n->loop_first) return true;
    }
    return false;
}

void drain_loopback() {
    for (int i = 0; i < 64 && loopback_queued(); ++i) netif_poll_all();
    if (loopback_queued()) die("lwIP's loopback queue does not drain");
}

void check_tcp_list(const tcp_pcb* list, const char* which, bool listeners = false) {
    for (const tcp_pcb* p = list; p; p = p->next) {
        // A socket's pcb carries its receive callback; an orphan (a closed
        // connection whose unacknowledged bytes stay charged to its app,
        // daemon/tcp_socket.cpp) only sent/err and that charge, which
        // outlives the session by design; the aborts below free it.
        if (p->callback_arg && (listeners || p->recv != nullptr))
            die(std::string("a TCP pcb in ") + which + " still points at a daemon socket (state " +
                std::to_string(p->state) + ") after its session was destroyed");
    }
}

}  // namespace

extern "C" {
// The link sends lwIP's calls of sys_now and shunt_lwip_rand here (--wrap).
std::uint32_t __wrap_sys_now(void) { return g_now_ms; }
unsigned int __wrap_shunt_lwip_rand(void) {
    g_rand ^= g_rand << 13;
    g_rand ^= g_rand >> 7;
    g_rand ^= g_rand << 17;
    return static_cast<unsigned int>(g_rand >> 11);
}
}

namespace shunt::fuzz {

void lwip_env_init() {
    if (g_ready) return;
    g_ready = true;
    std::signal(SIGPIPE, SIG_IGN);
    log::level lvl = log::level::error;
    if (const char* e = std::getenv("SHUNT_FUZZ_LOG"))
        if (auto l = log::parse_level(e)) lvl = *l;
    log::set_level(lvl);
    g_rand = k_rand_seed;
    lwip_init();
    ip4_addr_t ip, mask, gw;
    ip4_addr_set_u32(&ip, k_wire_addr);
    ip4_addr_set_u32(&mask, ip4(255, 255, 255, 0));
    ip4_addr_set_u32(&gw, k_peer_addr);
    if (!netif_add(&g_wire, &ip, &mask, &gw, nullptr, wire_init, ethernet_input)) die("netif_add failed");
    netif_set_default(&g_wire);
    netif_set_up(&g_wire);
    netif_set_link_up(&g_wire);
    g_pools_at_start = stack::read_lwip_stats().pools;
}

::netif* wire_netif() { return &g_wire; }

void lwip_begin_input() {
    g_rand = k_rand_seed;
    ip4_addr_t peer;
    ip4_addr_set_u32(&peer, k_peer_addr);
    eth_addr mac;
    std::memcpy(mac.addr, k_peer_mac, sizeof mac.addr);
    if (etharp_add_static_entry(&peer, &mac) != ERR_OK) die("etharp_add_static_entry failed");
}

void lwip_poll_loopback() { netif_poll_all(); }

void lwip_run_timers(unsigned steps) {
    for (unsigned i = 0; i < steps; ++i) {
        g_now_ms += k_timer_step_ms;
        sys_check_timeouts();
        netif_poll_all();
    }
}

void lwip_end_input() {
    check_tcp_list(tcp_active_pcbs, "tcp_active_pcbs");
    check_tcp_list(tcp_tw_pcbs, "tcp_tw_pcbs");
    check_tcp_list(tcp_bound_pcbs, "tcp_bound_pcbs");
    check_tcp_list(reinterpret_cast<const tcp_pcb*>(tcp_listen_pcbs.listen_pcbs), "tcp_listen_pcbs", true);
    if (udp_pcbs) die("a UDP pcb outlived its session (udp_pcbs is not empty)");

    // What the daemon legitimately hands to lwIP (closing connections in
    // FIN_WAIT, TIME_WAIT) is reset here, as at the end of the worker.
    while (tcp_active_pcbs) tcp_abort(tcp_active_pcbs);
    while (tcp_tw_pcbs) tcp_abort(tcp_tw_pcbs);
    while (tcp_bound_pcbs) tcp_abort(tcp_bound_pcbs);
    while (tcp_listen_pcbs.listen_pcbs) {
        if (tcp_close(reinterpret_cast<tcp_pcb*>(tcp_listen_pcbs.listen_pcbs)) != ERR_OK)
            die("tcp_close of a listener failed");
    }
    drain_loopback();
    // Incomplete reassemblies time out after IP_REASS_MAXAGE ticks.
    for (int i = 0; i <= IP_REASS_MAXAGE; ++i) ip_reass_tmr();
    drain_loopback();
    while (tcp_active_pcbs) tcp_abort(tcp_active_pcbs);  // none expected: no pcb listens now
    etharp_cleanup_netif(&g_wire);
    // lwIP's TCP timer stops itself on its first tick without pcbs, giving
    // back its timeout (SYS_TIMEOUT, and the heap's bytes for it).
    lwip_run_timers(1);

    const auto pools = stack::read_lwip_stats().pools;
    for (std::size_t i = 0; i < pools.size() && i < g_pools_at_start.size(); ++i) {
        if (pools[i].used != g_pools_at_start[i].used)
            die("lwIP pool " + pools[i].name + " holds " + std::to_string(pools[i].used) + " after the input, " +
                std::to_string(g_pools_at_start[i].used) + " at start");
    }
}

std::uint64_t wire_bytes_sent() { return g_wire_bytes; }

}  // namespace shunt::fuzz
