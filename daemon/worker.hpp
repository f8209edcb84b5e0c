// A worker lcore: polls its port's RX queue, runs the lwIP instance it owns
// (input, timers, output) and, later, the app channels assigned to it.
//
//   main lcore                         worker lcore
//   ----------                         ------------
//   link watch --link_up (relaxed)-->  read once per batch -> netif link
//   stop() ------stop_ (release)---->  acquire: leave loop, reset TCP, flush
//   report() <--mutex, try_lock------  publish() every 100 ms (never blocks)
//   sockets() --wanted gen (relaxed)-->  next loop: list every socket, try_lock,
//             <--done gen (release)---   publish the list
//   adopt()/detach() --inbox, flag---->  try_lock when the flag is up: sessions
//                                        start or end (reset, freed) on the worker
//
// Rules (seed: DPDK lcore rules): no blocking calls and no lock held across
// ring operations on the worker; the publish lock is only ever try_locked
// there. When idle it naps `idle_sleep_us` (0: pure polling).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "daemon/session.hpp"

#include "stack/lwip_stats.hpp"
#include "stack/netif_driver.hpp"

namespace shunt::daemon {

struct worker_report {
    unsigned lcore = 0;
    std::uint64_t loops = 0;       // iterations of the poll loop
    std::uint64_t busy_loops = 0;  // iterations that received at least one frame
    std::uint64_t rx_frames = 0;
    std::uint64_t naps = 0;
    std::uint64_t batch_hist[5] = {};  // RX bursts of 1, 2-4, 5-8, 9-16, 17-32 frames
    std::uint64_t commands = 0;    // command-ring entries served
    std::uint64_t sessions_failed = 0;  // sessions ended for breaking the protocol
    stack::lwip_stats_snapshot lwip;
    std::vector<session_report> apps;
};

class worker {
public:
    worker(unsigned lcore, stack::netif_driver& netif, unsigned idle_sleep_us)
        : lcore_(lcore), netif_(netif), idle_sleep_us_(idle_sleep_us) {}

    // Entry point for rte_eal_remote_launch; `arg` is the worker.
    static int lcore_main(void* arg);

    void stop() { stop_.store(true, std::memory_order_release); }
    // Main lcore: the port's link state, read by the worker once per batch.
    void set_link(bool up) { link_up_.store(up, std::memory_order_relaxed); }

    // Main lcore: the last published report (at most ~100 ms old).
    worker_report report();

    // Main lcore: every socket of every app this worker serves, listed by the
    // worker on its next loop; nullopt if it has not answered in timeout_ms.
    std::optional<std::vector<socket_report>> sockets(unsigned timeout_ms);

    // Main lcore: hand an attached app to the worker / tell it the app hung up.
    void adopt(std::unique_ptr<session> s);
    void detach(std::uint64_t session_id);

private:
    void run();
    void publish();
    void shut_connections();
    void take_inbox();
    unsigned serve_sessions();
    void audit_sessions();
    void answer_sockets();

    unsigned lcore_;
    stack::netif_driver& netif_;
    unsigned idle_sleep_us_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> link_up_{false};

    std::vector<std::unique_ptr<session>> sessions_;  // worker-only
    std::atomic<bool> inbox_dirty_{false};
    std::mutex inbox_mu_;
    std::vector<std::unique_ptr<session>> inbox_adopt_;
    std::vector<std::uint64_t> inbox_detach_;

    // Worker-private counters, copied into report_ by publish().
    worker_report live_;
    std::mutex report_mu_;
    worker_report report_;
    // `shuntctl sockets`: the main lcore bumps wanted, the worker answers.
    std::atomic<std::uint64_t> sockets_wanted_{0};
    std::atomic<std::uint64_t> sockets_done_{0};
    std::vector<socket_report> sockets_;  // under report_mu_
};

}  // namespace shunt::daemon
