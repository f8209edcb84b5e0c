#include "stack/netif_driver.hpp"

#include <rte_mbuf.h>

#include <cstring>

#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "netif/ethernet.h"
#include "stack/mbuf_pbuf.hpp"
#include "stack/rx_guard.hpp"

namespace shunt::stack {
namespace {

// Counters have one writer (the worker): a relaxed load+store avoids the
// locked read-modify-write; readers on the main lcore use relaxed loads.
void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace

netif_driver::netif_driver(dpdk_port& port, rte_mempool* pool)
    : port_(port), pool_(pool), netif_(std::make_unique<::netif>()) {}

result<std::unique_ptr<netif_driver>> netif_driver::create(dpdk_port& port, rte_mempool* pool,
                                                           const netif_config& cfg) {
    std::unique_ptr<netif_driver> d(new netif_driver(port, pool));
    const std::uint32_t mask = cfg.prefix_len >= 32 ? ~0u : ~((1u << (32 - cfg.prefix_len)) - 1);
    ip4_addr_t ip, nm, gw;
    ip4_addr_set_u32(&ip, lwip_htonl(cfg.addr));
    ip4_addr_set_u32(&nm, lwip_htonl(mask));
    ip4_addr_set_u32(&gw, lwip_htonl(cfg.gateway));
    if (!netif_add(d->netif_.get(), &ip, &nm, &gw, d.get(), &netif_driver::init_cb, ethernet_input))
        return make_error(ENOMEM, "lwIP refused the interface of port " + port.name());
    if (cfg.make_default) netif_set_default(d->netif_.get());
    netif_set_up(d->netif_.get());
    return d;
}

netif_driver::~netif_driver() {
    flush_tx();
    for (std::uint16_t i = 0; i < txn_; ++i) rte_pktmbuf_free(txq_[i]);
    netif_remove(netif_.get());
}

std::int8_t netif_driver::init_cb(::netif* n) {
    auto* d = static_cast<netif_driver*>(n->state);
    n->name[0] = 's';
    n->name[1] = 'h';
    n->mtu = d->port_.mtu();
    n->hwaddr_len = ETH_HWADDR_LEN;
    std::memcpy(n->hwaddr, d->port_.mac().data(), ETH_HWADDR_LEN);
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    n->output = etharp_output;
    n->linkoutput = &netif_driver::linkoutput_cb;
    // lwIP verifies every checksum and generates those the port cannot
    // (dpdk_port::open enables the TX offloads it advertises; transmit()
    // marks each mbuf for them).
    const csum_caps& caps = static_cast<netif_driver*>(n->state)->port_.tx_csum();
    u16_t ctrl = NETIF_CHECKSUM_ENABLE_ALL;
    if (caps.ipv4) ctrl &= static_cast<u16_t>(~NETIF_CHECKSUM_GEN_IP);
    if (caps.tcp) ctrl &= static_cast<u16_t>(~NETIF_CHECKSUM_GEN_TCP);
    if (caps.udp) ctrl &= static_cast<u16_t>(~NETIF_CHECKSUM_GEN_UDP);
    NETIF_SET_CHECKSUM_CTRL(n, ctrl);
    d->base_ctrl_ = ctrl;
    return ERR_OK;
}

namespace {

rx_csum ip_verdict(const rte_mbuf* m) {
    switch (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) {
        case RTE_MBUF_F_RX_IP_CKSUM_GOOD: return rx_csum::good;
        case RTE_MBUF_F_RX_IP_CKSUM_BAD: return rx_csum::bad;
        case RTE_MBUF_F_RX_IP_CKSUM_NONE: return rx_csum::none;
        default: return rx_csum::unknown;
    }
}

rx_csum l4_verdict(const rte_mbuf* m) {
    switch (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) {
        case RTE_MBUF_F_RX_L4_CKSUM_GOOD: return rx_csum::good;
        case RTE_MBUF_F_RX_L4_CKSUM_BAD: return rx_csum::bad;
        case RTE_MBUF_F_RX_L4_CKSUM_NONE: return rx_csum::none;
        default: return rx_csum::unknown;
    }
}

}  // namespace

std::int8_t netif_driver::linkoutput_cb(::netif* n, pbuf* p) {
    return static_cast<netif_driver*>(n->state)->transmit(p);
}

std::int8_t netif_driver::transmit(pbuf* p) {
    if (tap_ && tap_->active()) {
        const void* data[16];
        std::size_t lens[16];
        int n = 0;
        for (const pbuf* q = p; q && n < 16; q = q->next, ++n) {
            data[n] = q->payload;
            lens[n] = q->len;
        }
        tap_->record(data, lens, n, p->tot_len, true);
    }
    rte_mbuf* m = mbuf_from_pbuf(p, pool_);
    if (!m) {
        bump(counters_.tx_nombuf, 1);
        return ERR_MEM;
    }
    const csum_caps& caps = port_.tx_csum();
    if (caps.ipv4 || caps.tcp || caps.udp) {
        const tx_offload o = prepare_tx_offload(rte_pktmbuf_mtod(m, std::uint8_t*), rte_pktmbuf_data_len(m), caps);
        if (o.l3_len) {
            m->l2_len = o.l2_len;
            m->l3_len = o.l3_len;
            m->ol_flags |= RTE_MBUF_F_TX_IPV4;
            if (o.ip) m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
            if (o.tcp) m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
            if (o.udp) m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
        }
    }
    txq_[txn_++] = m;
    if (txn_ == k_burst) flush_tx();
    return ERR_OK;
}

void netif_driver::flush_tx() {
    if (txn_ == 0) return;
    const std::uint16_t sent = port_.tx_burst(txq_, txn_);
    bump(counters_.tx_frames, sent);
    if (sent < txn_) {
        // The ring is full: drop the rest (TCP retransmits; UDP is lossy).
        bump(counters_.tx_full, txn_ - sent);
        for (std::uint16_t i = sent; i < txn_; ++i) rte_pktmbuf_free(txq_[i]);
    }
    txn_ = 0;
}

unsigned netif_driver::poll() {
    rte_mbuf* pkts[k_burst];
    const std::uint16_t n = port_.rx_burst(pkts, k_burst);
    const bool tap = tap_ && tap_->active();
    for (std::uint16_t i = 0; i < n; ++i) {
        if (tap) {
            const void* data[8];
            std::size_t lens[8];
            int k = 0;
            for (const rte_mbuf* seg = pkts[i]; seg && k < 8; seg = seg->next, ++k) {
                data[k] = rte_pktmbuf_mtod(seg, const void*);
                lens[k] = rte_pktmbuf_data_len(seg);
            }
            tap_->record(data, lens, k, rte_pktmbuf_pkt_len(pkts[i]), false);
        }
        // Runts and martians never reach lwIP (stack/rx_guard.hpp).
        const rx_verdict v = check_rx_frame(rte_pktmbuf_mtod(pkts[i], const std::uint8_t*),
                                            rte_pktmbuf_data_len(pkts[i]), rte_pktmbuf_pkt_len(pkts[i]));
        if (v != rx_verdict::pass) {
            rte_pktmbuf_free(pkts[i]);
            bump(v == rx_verdict::runt ? counters_.rx_runts : counters_.rx_martians, 1);
            continue;
        }
        if (port_.rx_csum()) {
            // The NIC's verdicts decide which of lwIP's checks this frame
            // skips (lwIP reads the control while it handles the frame,
            // within input() below).
            const rx_checks c = rx_checks_for(ip_verdict(pkts[i]), l4_verdict(pkts[i]));
            if (c.drop) {
                rte_pktmbuf_free(pkts[i]);
                bump(counters_.rx_csum_bad, 1);
                continue;
            }
            u16_t ctrl = base_ctrl_;
            if (!c.ip) ctrl &= static_cast<u16_t>(~NETIF_CHECKSUM_CHECK_IP);
            if (!c.l4) ctrl &= static_cast<u16_t>(~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP));
            NETIF_SET_CHECKSUM_CTRL(netif_.get(), ctrl);
        }
        pbuf* p = pbuf_from_mbuf(pkts[i]);
        if (!p) {
            bump(counters_.rx_nomem, 1);
            continue;
        }
        if (netif_->input(p, netif_.get()) != ERR_OK) pbuf_free(p);
    }
    if (n && port_.rx_csum()) NETIF_SET_CHECKSUM_CTRL(netif_.get(), base_ctrl_);
    if (n) bump(counters_.rx_frames, n);
    return n;
}

void netif_driver::set_link(bool up) {
    if (up == link_up_) return;
    link_up_ = up;
    if (up) netif_set_link_up(netif_.get());
    else netif_set_link_down(netif_.get());
}

}  // namespace shunt::stack
