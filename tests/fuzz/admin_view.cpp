#include "tests/fuzz/admin_view.hpp"

#include <rte_mempool.h>

#include <chrono>

namespace {

// shuntd's default --mbufs; a few in use.
constexpr unsigned k_mbufs = 16384, k_mbufs_used = 96;

rte_mempool* the_pool() {
    static rte_mempool* p = [] {
        auto* m = new rte_mempool{};
        m->size = k_mbufs;
        return m;
    }();
    return p;
}

}  // namespace

extern "C" {
// The link sends status_report.cpp's calls here (--wrap): no EAL, no pool.
unsigned int __wrap_rte_mempool_avail_count(const rte_mempool* mp) { return mp->size - k_mbufs_used; }
unsigned int __wrap_rte_mempool_in_use_count(const rte_mempool*) { return k_mbufs_used; }
}

namespace shunt::fuzz {

admin_daemon::admin_daemon(const daemon::daemon_config& cfg)
    : view_{cfg, std::chrono::steady_clock::now(), ports_, netifs_, workers_, the_pool(), false, &baseline_} {}

admin_daemon::~admin_daemon() = default;

std::string admin_daemon::reply(const std::string& request) const { return daemon::admin_reply(view_, request); }

}  // namespace shunt::fuzz
