// The admin replies: `status` (what runs) and `stats` (counters), as JSON
// documents with stable field names that shuntctl and scripts read.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/worker.hpp"
#include "stack/netif_driver.hpp"
#include "stack/port.hpp"

struct rte_mempool;

namespace shunt::daemon {

// What the main lcore knows about the running daemon (all owned elsewhere).
struct daemon_view {
    const daemon_config& config;
    std::chrono::steady_clock::time_point started;
    const std::vector<std::unique_ptr<stack::dpdk_port>>& ports;
    const std::vector<std::unique_ptr<stack::netif_driver>>& netifs;
    const std::vector<std::unique_ptr<worker>>& workers;
    rte_mempool* mbuf_pool;
    bool huge;  // running on hugepages
};

std::string status_json(const daemon_view& v);
std::string stats_json(const daemon_view& v);
std::string apps_json(const daemon_view& v);
// Dispatches one admin request line to the reply.
std::string admin_reply(const daemon_view& v, const std::string& request);

}  // namespace shunt::daemon
