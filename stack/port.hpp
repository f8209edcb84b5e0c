// A DPDK ethdev port owned by shuntd: configured with one RX and one TX queue
// (one worker), started, and closed again by the destructor. DPDK headers stay
// out of this header (STYLE.md): mbufs and pools are forward-declared.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "stack/csum_offload.hpp"

#include "base/result.hpp"

struct rte_eth_conf;
struct rte_eth_dev_info;
struct rte_mbuf;
struct rte_mempool;

namespace shunt::stack {

struct port_counters {
    std::uint64_t rx_packets = 0, rx_bytes = 0, rx_drops = 0, rx_errors = 0;
    std::uint64_t tx_packets = 0, tx_bytes = 0, tx_drops = 0, tx_errors = 0;
};

struct port_link {
    bool up = false;
    std::uint32_t speed_mbps = 0;
};

class dpdk_port {
public:
    // `name` is the ethdev name (the devargs' first field) of a device the EAL
    // probed (--vdev or -a). Queue 0 receives into `pool`.
    [[nodiscard]] static result<std::unique_ptr<dpdk_port>> open(const std::string& name,
                                                                 rte_mempool* pool,
                                                                 std::uint16_t mtu);
    ~dpdk_port();
    dpdk_port(const dpdk_port&) = delete;
    dpdk_port& operator=(const dpdk_port&) = delete;

    std::uint16_t id() const { return id_; }
    const std::string& name() const { return name_; }
    const std::string& driver() const { return driver_; }
    const std::array<std::uint8_t, 6>& mac() const { return mac_; }
    std::uint16_t mtu() const { return mtu_; }
    // TX checksum offloads in use (those the port advertises).
    const csum_caps& tx_csum() const { return csum_; }
    // RX checksum offload in use: the port checks IPv4, TCP and UDP
    // checksums and says so per frame (stack/csum_offload.hpp, rx_checks_for).
    bool rx_csum() const { return rx_csum_; }

    // Worker-lcore only: poll queue 0.
    std::uint16_t rx_burst(rte_mbuf** pkts, std::uint16_t n);
    std::uint16_t tx_burst(rte_mbuf** pkts, std::uint16_t n);

    // What ends a worker's sleep when frames arrive (stack/port_wake.hpp):
    // an fd that is readable while queue 0 has frames, or -1; its kind is
    // "interrupt" (DPDK's RX interrupt: arm before sleeping, disarm after),
    // "socket" (the kernel socket under the PMD) or "none".
    int rx_wake_fd() const { return rx_wake_fd_; }
    const char* rx_wake_kind() const { return rx_wake_; }
    // Worker: enables (before a sleep) or disables (after) the RX interrupt.
    void arm_rx_wake(bool on);

    // Main lcore: link state without waiting, and the port's counters.
    port_link link() const;
    port_counters counters() const;

private:
    dpdk_port() = default;
    // configure, queues, MTU and start, with or without RX interrupts.
    result<void> bring_up(rte_eth_conf conf, const rte_eth_dev_info& info, rte_mempool* pool, bool rx_intr);
    void find_rx_wake(const std::vector<int>& sockets_before, unsigned if_index);
    std::uint16_t id_ = 0;
    std::string name_;
    std::string driver_;
    std::array<std::uint8_t, 6> mac_{};
    std::uint16_t mtu_ = 1500;
    csum_caps csum_;
    bool rx_csum_ = false;
    bool started_ = false;
    bool rx_intr_ = false;
    int rx_wake_fd_ = -1;
    const char* rx_wake_ = "none";
};

}  // namespace shunt::stack
