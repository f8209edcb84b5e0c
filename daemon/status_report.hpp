// The admin replies: `status` (what runs), `stats` (counters; `reset` starts
// them from zero), `apps` and `sockets`, as JSON documents with stable field
// names that shuntctl and scripts read.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/worker.hpp"
#include "stack/netif_driver.hpp"
#include "stack/port.hpp"

struct rte_mempool;

namespace shunt::daemon {

struct port_stats {
    std::string name;
    std::uint64_t rx_packets = 0, rx_bytes = 0, rx_drops = 0, rx_errors = 0;
    std::uint64_t tx_packets = 0, tx_bytes = 0, tx_drops = 0, tx_errors = 0;
};
struct mbuf_pool_stats {
    std::uint64_t available = 0, used = 0, max = 0, errors = 0;
};
// Every counter `shuntctl stats` shows, at one moment.
struct stats_snapshot {
    std::vector<port_stats> ports;
    std::vector<worker_report> workers;
    std::vector<stack::proto_stats> protocols;  // summed over workers
    std::vector<stack::pool_stats> pools;       // summed over workers
    stack::mib2_stats mib2;                      // summed over workers
    mbuf_pool_stats mbuf;
};

// What the main lcore knows about the running daemon (all owned elsewhere).
struct daemon_view {
    const daemon_config& config;
    std::chrono::steady_clock::time_point started;
    const std::vector<std::unique_ptr<stack::dpdk_port>>& ports;
    const std::vector<std::unique_ptr<stack::netif_driver>>& netifs;
    const std::vector<std::unique_ptr<worker>>& workers;
    rte_mempool* mbuf_pool;
    bool huge;  // running on hugepages
    // `shuntctl stats --reset`: the counters at the last reset (main lcore only).
    std::optional<stats_snapshot>* baseline = nullptr;
};

std::string status_json(const daemon_view& v);
std::string stats_json(const daemon_view& v);
std::string apps_json(const daemon_view& v);
std::string sockets_json(const daemon_view& v);
// Dispatches one admin request line to the reply.
std::string admin_reply(const daemon_view& v, const std::string& request);

}  // namespace shunt::daemon
