// The daemon behind fuzz_admin's admin socket: shuntd's admin_reply
// (daemon/status_report.hpp) over a daemon_view with no ports and no
// workers, neither of which runs without DPDK's EAL. Its mbuf pool is a
// stand-in: the link sends status_report.cpp's two calls into DPDK's
// mempool library (rte_mempool_avail_count, rte_mempool_in_use_count) to
// admin_view.cpp (-Wl,--wrap, Makefile.am).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/status_report.hpp"

namespace shunt::fuzz {

class admin_daemon {
public:
    explicit admin_daemon(const daemon::daemon_config& cfg);
    ~admin_daemon();
    // admin_reply: what shuntd's main loop hands the admin server.
    std::string reply(const std::string& request) const;

private:
    std::vector<std::unique_ptr<stack::dpdk_port>> ports_;
    std::vector<std::unique_ptr<stack::netif_driver>> netifs_;
    std::vector<std::unique_ptr<daemon::worker>> workers_;
    std::optional<daemon::stats_snapshot> baseline_;
    daemon::daemon_view view_;
};

}  // namespace shunt::fuzz
