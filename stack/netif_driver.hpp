// lwIP's network interface over one dpdk_port (seed: OpenPerf net_interface).
//
// Threading contract: create() runs on the main lcore *before* the worker is
// launched (rte_eal_remote_launch orders it before everything the worker
// does); from then on only the worker touches this object's lwIP state
// (poll(), flush_tx(), set_link()). The destructor runs after the worker has
// been joined. The counters are the only fields read from other threads, as
// relaxed atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "base/result.hpp"
#include "stack/capture_tap.hpp"
#include "stack/port.hpp"

struct netif;
struct pbuf;

namespace shunt::stack {

struct netif_config {
    std::uint32_t addr = 0;      // host byte order
    std::uint8_t prefix_len = 24;
    std::uint32_t gateway = 0;   // 0: none
    bool make_default = false;
};

struct netif_counters {
    std::atomic<std::uint64_t> rx_frames{0};
    std::atomic<std::uint64_t> rx_nomem{0};    // frames dropped: no pbuf for a copy
    std::atomic<std::uint64_t> rx_runts{0};    // frames dropped: shorter than their headers
    std::atomic<std::uint64_t> rx_martians{0}; // frames dropped: an address no wire carries
    std::atomic<std::uint64_t> rx_csum_bad{0}; // frames dropped: the NIC found a bad checksum
    std::atomic<std::uint64_t> tx_frames{0};
    std::atomic<std::uint64_t> tx_nombuf{0};   // frames dropped: mbuf pool empty
    std::atomic<std::uint64_t> tx_full{0};     // frames dropped: TX ring full
};

class netif_driver {
public:
    static constexpr std::uint16_t k_burst = 32;

    [[nodiscard]] static result<std::unique_ptr<netif_driver>> create(dpdk_port& port,
                                                                      rte_mempool* pool,
                                                                      const netif_config& cfg);
    ~netif_driver();
    netif_driver(const netif_driver&) = delete;
    netif_driver& operator=(const netif_driver&) = delete;

    // Worker: receive one burst into lwIP; returns frames received.
    unsigned poll();
    // Worker: send what lwIP queued since the last flush.
    void flush_tx();
    // Worker: apply the link state the main lcore observed.
    void set_link(bool up);

    // Main lcore, before the worker starts: frames are copied to `tap` while
    // a capture runs (shuntctl capture).
    void set_tap(capture_tap* tap) { tap_ = tap; }

    dpdk_port& port() { return port_; }
    const netif_counters& counters() const { return counters_; }

private:
    netif_driver(dpdk_port& port, rte_mempool* pool);
    static std::int8_t init_cb(::netif* n);
    static std::int8_t linkoutput_cb(::netif* n, pbuf* p);
    std::int8_t transmit(pbuf* p);

    dpdk_port& port_;
    rte_mempool* pool_;
    std::unique_ptr<::netif> netif_;
    rte_mbuf* txq_[k_burst] = {};
    std::uint16_t txn_ = 0;
    std::uint16_t base_ctrl_ = 0;  // lwIP's checksum control for the port (TX offloads applied)
    bool link_up_ = false;
    netif_counters counters_;
    capture_tap* tap_ = nullptr;
};

}  // namespace shunt::stack
